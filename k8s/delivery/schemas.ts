/* eslint-disable no-console -- a command-line step of test:delivery: its output is the interface */
/**
 * Generates kubeconform's strict, standalone JSON schemas offline:
 *
 *   node schemas.cjs <out-dir> <swagger.json> [crd.yaml ...]
 *
 * from the Kubernetes OpenAPI (api/openapi-spec/swagger.json inside the
 * pinned k8s.io/kubernetes module) and from CustomResourceDefinition files
 * (Istio's and the Gateway API's, inside their pinned modules). Nothing is
 * copied into the repository: tools/delivery/test-delivery.sh runs this at run
 * time. Layout: <out-dir>/<group>/<kind>_<version>.json, kubeconform's
 * `-schema-location '<out-dir>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'`.
 * Strict: every object schema that lists its properties rejects others,
 * unless it preserves unknown fields, as the API server would prune/reject.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};

/** Object schemas with a closed property list become closed. */
function strict(s: Schema): Schema {
  if (!s || typeof s !== 'object') return s;
  const out: Schema = { ...s };
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [k, strict(v)]),
    );
    if (out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields'])
      out.additionalProperties = false;
  }
  if (out.items) out.items = strict(out.items);
  if (out.additionalProperties && typeof out.additionalProperties === 'object')
    out.additionalProperties = strict(out.additionalProperties);
  for (const k of ['allOf', 'oneOf', 'anyOf'] as const) if (out[k]) out[k] = out[k]!.map(strict);
  return out;
}

const write = (dir: string, group: string, kind: string, version: string, schema: Schema) => {
  const d = path.join(dir, group);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, `${kind.toLowerCase()}_${version}.json`), JSON.stringify(schema));
};

function fromSwagger(out: string, file: string): number {
  const defs = JSON.parse(readFileSync(file, 'utf8')).definitions as Record<string, Schema>;
  // How openapi2jsonschema treats the two string-or-number types.
  defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = {
    oneOf: [{ type: 'string' }, { type: 'integer' }],
  };
  defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = {
    oneOf: [{ type: 'string' }, { type: 'number' }],
  };
  const name = (ref: string) => ref.replace('#/definitions/', '');
  const closure = (root: string) => {
    const seen = new Set<string>([root]);
    const walk = (s: unknown) => {
      if (!s || typeof s !== 'object') return;
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref' && typeof v === 'string' && !seen.has(name(v))) {
          seen.add(name(v));
          walk(defs[name(v)]);
        } else walk(v);
      }
    };
    walk(defs[root]);
    return seen;
  };
  let n = 0;
  for (const [id, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as
      { group: string; version: string; kind: string }[] | undefined;
    if (!gvks) continue;
    const definitions = Object.fromEntries(
      [...closure(id)].map((d) => [d, strict(defs[d] as Schema)]),
    );
    for (const gvk of gvks) {
      const schema: Schema = { ...strict(def), definitions };
      // apiVersion and kind are strings the file must carry.
      // kubeconform's {{.Group}} is the version for the core group ("v1").
      write(out, gvk.group || gvk.version, gvk.kind, gvk.version, schema);
      n++;
    }
  }
  return n;
}

function fromCrds(out: string, file: string): number {
  let n = 0;
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS() as {
      kind?: string;
      spec?: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
      };
    };
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    for (const v of crd.spec.versions) {
      const s = v.schema?.openAPIV3Schema;
      if (!s) continue;
      const schema = strict(s);
      // Every object carries these, whether or not the CRD lists them.
      schema.properties = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        ...schema.properties,
      };
      write(out, crd.spec.group, crd.spec.names.kind, v.name, schema);
      n++;
    }
  }
  return n;
}

const [out, swagger, ...crds] = process.argv.slice(2);
if (!out || !swagger) {
  console.error('usage: schemas <out-dir> <swagger.json> [crd.yaml ...]');
  process.exit(64);
}
const core = fromSwagger(out, swagger);
const custom = crds.reduce((sum, f) => sum + fromCrds(out, f), 0);
console.log(`${core} Kubernetes schemas, ${custom} CRD schemas in ${out}`);

#!/usr/bin/env bash
# Bring up a single-node Kubernetes cluster from real components on this machine:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler (host processes),
# containerd + runc + the CNI bridge plugin (Debian's packages), kubelet and
# kube-proxy (iptables mode), CoreDNS as a Deployment, a pause image built from
# Debian's static catatonit, and the Fig images imported into containerd (no
# registry). Binaries: k8s/node/build.sh. Tear down with k8s/node/down.sh.
# Why this shape: docs/adr/0120-single-node-cluster-from-real-components.md
#   k8s/node/up.sh            -> prints KUBECONFIG=<path> when the node is Ready
set -euo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s/node/node-lib.sh
. "$NODE_DIR/node-lib.sh"
. "$REPO_ROOT/tools/delivery/engine-lib.sh"

preflight() {
  [ "$(id -u)" = 0 ] || die "needs root (containerd, kubelet, iptables)"
  for b in $NODE_KUBE_BINARIES etcd coredns; do
    [ -x "$(node_tool_path "$b")" ] || die "$b is not built: k8s/node/build.sh"
  done
  for c in containerd containerd-shim-runc-v2 runc ctr iptables conntrack; do
    command -v "$c" >/dev/null || die "$c missing: apt-get install containerd runc iptables conntrack"
  done
  [ -x /usr/lib/cni/bridge ] || die "CNI plugins missing: apt-get install containernetworking-plugins"
  command -v catatonit >/dev/null || die "catatonit missing: apt-get install catatonit"
}

PKI="$NODE_STATE/pki"

# cert NAME CN [O] [SUBJECT-ALT-NAMES] [EXTENDED-KEY-USAGE]: an ECDSA key and a
# certificate signed by the node's CA.
cert() {
  local name="$1" cn="$2" o="${3:-}" san="${4:-}" eku="${5:-clientAuth}" subj
  [ -s "$PKI/$name.crt" ] && return 0
  subj="/CN=$cn"
  [ -n "$o" ] && subj="/O=$o$subj"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr"
  {
    echo "extendedKeyUsage=$eku"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
}

certs() {
  mkdir -p "$PKI"
  (
    umask 077
    if [ ! -s "$PKI/ca.crt" ]; then
      openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key"
      openssl req -x509 -new -key "$PKI/ca.key" -subj /CN=fig-node-ca -days 30 -out "$PKI/ca.crt"
    fi
    cert apiserver kube-apiserver "" \
      "IP:127.0.0.1,IP:$NODE_IP,IP:${SERVICE_CIDR%0/16}1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" serverAuth
    cert admin fig-admin system:masters
    cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
    cert controller-manager system:kube-controller-manager
    cert scheduler system:kube-scheduler
    cert kube-proxy system:kube-proxy
    cert kubelet "system:node:$NODE_NAME" system:nodes
    cert kubelet-serving "$NODE_NAME" "" "IP:$NODE_IP,DNS:$NODE_NAME" serverAuth
    [ -s "$PKI/sa.key" ] || {
      openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key"
      openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
    }
  )
}

kubeconfig() { # kubeconfig NAME -> $NODE_STATE/NAME.kubeconfig with NAME's certificate
  cat >"$NODE_STATE/$1.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: fig-node
    cluster: { server: "https://$NODE_IP:$APISERVER_PORT", certificate-authority: "$PKI/ca.crt" }
users:
  - name: $1
    user: { client-certificate: "$PKI/$1.crt", client-key: "$PKI/$1.key" }
contexts:
  - name: fig-node
    context: { cluster: fig-node, user: $1 }
current-context: fig-node
KC
}

# The pods' bridge, made before the apiserver so that it can listen on the
# bridge's address (pods reach it there through the kubernetes Service).
network() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
    ip addr add "$NODE_IP/24" dev "$NODE_BRIDGE"
  fi
  # An address set by hand is never recomputed from the ports. Otherwise a
  # rollout that removes the veth whose address the bridge borrowed changes
  # the node's address under every pod, which sends to the old one until it
  # relearns it from the host's next ARP request (ADR 0121).
  ip link set "$NODE_BRIDGE" address "$NODE_BRIDGE_MAC"
  ip link set "$NODE_BRIDGE" up
  # Remember the host's settings that the node changes; down.sh restores them.
  [ -f "$NODE_STATE/sysctl.saved" ] || for k in net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/ipv4/conf/all/route_localnet; do
    echo "$k $(cat /proc/sys/$k)"
  done >"$NODE_STATE/sysctl.saved"
  [ -f "$NODE_STATE/iptables.before" ] || for t in filter nat mangle raw; do
    iptables -t "$t" -S | awk -v t="$t" '$1=="-N" {print t, $2}'
  done >"$NODE_STATE/iptables.before"
  [ -f "$NODE_STATE/netns.before" ] || { ls /run/netns 2>/dev/null || true; } >"$NODE_STATE/netns.before"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  # Another engine on the host (dockerd) sets the FORWARD policy to DROP, which
  # would drop pod-to-pod traffic crossing the bridge (br_netfilter). Accept the
  # bridge's traffic; NetworkPolicies are enforced in nftables, after this.
  local dir
  for dir in -i -o; do
    iptables -C FORWARD "$dir" "$NODE_BRIDGE" -m comment --comment fig-node -j ACCEPT 2>/dev/null ||
      iptables -I FORWARD 1 "$dir" "$NODE_BRIDGE" -m comment --comment fig-node -j ACCEPT
  done
  # An address of the Service range that kube-proxy has not (yet) translated to
  # a pod leads nowhere, as in any cluster. Here the host's default route leads
  # to a network that accepts every TCP connection and answers HTTP/2 404, and a
  # gRPC client that connected in kube-proxy's window kept that connection for
  # good (ADR 0518). Refused instead, it retries and finds the pod. The filter
  # chains see addresses after kube-proxy's DNAT, so a translated one passes.
  local chain
  for chain in FORWARD OUTPUT; do
    iptables -C "$chain" -d "$SERVICE_CIDR" -m comment --comment fig-node -j REJECT --reject-with icmp-net-unreachable 2>/dev/null ||
      iptables -I "$chain" 1 -d "$SERVICE_CIDR" -m comment --comment fig-node -j REJECT --reject-with icmp-net-unreachable
  done
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  mkdir -p "$NODE_RUN/cni/net.d"
  cat >"$NODE_RUN/cni/net.d/10-fig.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "fig-pods",
  "plugins": [
    {
      "type": "bridge", "bridge": "$NODE_BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
                "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "$NODE_RUN/cni/ipam" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

etcd_up() {
  daemon_start etcd "$(tool_path etcd)" --name fig-node --data-dir "$NODE_STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "fig-node=http://127.0.0.1:$ETCD_PEER_PORT" --quota-backend-bytes 1073741824 --unsafe-no-fsync \
    --listen-metrics-urls "http://127.0.0.1:$((ETCD_PORT + 2))"
}

apiserver_up() {
  daemon_start kube-apiserver "$(tool_path kube-apiserver)" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" --client-ca-file "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local --service-account-key-file "$PKI/sa.pub" \
    --service-account-signing-key-file "$PKI/sa.key" --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=false \
    --cert-dir "$PKI/generated"
  wait_for 120 "kube-apiserver /readyz" bash -c "[ \"\$('$(tool_path kubectl)' --kubeconfig '$NODE_KUBECONFIG' get --raw /readyz 2>/dev/null)\" = ok ]" || {
    tail -n 30 "$NODE_STATE/kube-apiserver.log" >&2
    die "kube-apiserver did not become ready"
  }
}

controllers_up() {
  daemon_supervised kube-controller-manager "$(tool_path kube-controller-manager)" \
    --kubeconfig "$NODE_STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$NODE_STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$NODE_STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10357 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --cluster-cidr "$POD_CIDR" --allocate-node-cidrs=false \
    --horizontal-pod-autoscaler-sync-period 5s
  daemon_supervised kube-scheduler "$(tool_path kube-scheduler)" --kubeconfig "$NODE_STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$NODE_STATE/scheduler.kubeconfig" --authorization-kubeconfig "$NODE_STATE/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10359 --leader-elect=false
}

containerd_up() {
  mkdir -p "$NODE_VAR/containerd" "$NODE_RUN/containerd"
  cat >"$NODE_STATE/containerd.toml" <<TOML
version = 2
root = "$NODE_VAR/containerd"
state = "$NODE_RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$NODE_RUN/containerd-ttrpc.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_VAR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  # This machine's root may not lower oom_score_adj (no CAP_SYS_RESOURCE over
  # it): runc fails "failed to update /proc/self/oom_score_adj: Permission
  # denied" for the sandbox's -998. Clamp to containerd's own score instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_RUN/cni/net.d"
TOML
  daemon_start containerd containerd --config "$NODE_STATE/containerd.toml"
  wait_for 60 containerd ctr_ version || { tail -n 30 "$NODE_STATE/containerd.log" >&2; die "containerd did not start"; }
}

# Images reach containerd without a registry: built on the delivery engine,
# `docker save`d and imported. The pause image is Debian's static catatonit in
# pause mode; CoreDNS is the binary built from its module on the runtime base.
images() {
  # down.sh stops the engine only if this script started it.
  engine_running || touch "$NODE_STATE/engine.started"
  engine_start
  local tmp app
  tmp="$(mktemp -d)"
  # Always built from this checkout: the engine's layer cache makes an
  # unchanged image a few seconds, and a tag alone never proves the code is current.
  log "building images: ${NODE_APPS[*]} (tools/delivery/images.sh)"
  FIG_IMAGE_TAG="$FIG_IMAGE_TAG" "$REPO_ROOT/tools/delivery/images.sh" "${NODE_APPS[@]}" >&2
  local standins runtime redis
  standins="$("$REPO_ROOT/tools/delivery/standins.sh")"
  runtime="$(sed -n 's/^RUNTIME_IMAGE=//p' <<<"$standins")"
  redis="$(sed -n 's/^REDIS_IMAGE=//p' <<<"$standins")"
  [ -n "$redis" ] || redis=fig-standin/redis:7.4
  if ! docker_ image inspect "$PAUSE_IMAGE" >/dev/null 2>&1; then
    cp "$(command -v catatonit)" "$tmp/pause"
    printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause", "-P"]\n' >"$tmp/Dockerfile"
    docker_ build -q -t "$PAUSE_IMAGE" "$tmp" >/dev/null
  fi
  if ! docker_ image inspect "$COREDNS_IMAGE" >/dev/null 2>&1; then
    cp "$(node_tool_path coredns)" "$tmp/coredns"
    printf 'FROM %s\nCOPY coredns /coredns\nUSER 65532:65532\nENTRYPOINT ["/coredns"]\n' "$runtime" >"$tmp/Dockerfile"
    docker_ build -q -t "$COREDNS_IMAGE" "$tmp" >/dev/null
  fi
  # The add-on's Prometheus, Jaeger and collector: static binaries, nothing
  # else in the image (the manifests mount what they write), and the upstream
  # image's ENV where its program reads one: Jaeger's image listens on every
  # address (its all-in-one config defaults to localhost). Rebuilt when the
  # recipe or the binary changes (a label holds their hash).
  local pair image bin binary env recipe
  for pair in "${NODE_TELEMETRY_IMAGES[@]}"; do
    image="${pair#*=}"
    bin="${image#fig.local/}"
    bin="${bin%%:*}"
    binary="$(node_tool_path "${bin/otel-collector/otelcol}")"
    env=""
    [ "$bin" = jaeger ] && env='ENV JAEGER_LISTEN_HOST=0.0.0.0\n'
    # shellcheck disable=SC2059 # the format is ours, with the ENV line in it
    printf "FROM scratch\n${env}COPY %s /bin/%s\nENTRYPOINT [\"/bin/%s\"]\n" "$bin" "$bin" "$bin" >"$tmp/Dockerfile"
    recipe="$(cat "$tmp/Dockerfile" "$binary" | sha256sum | cut -c1-16)"
    [ "$(docker_ image inspect -f '{{index .Config.Labels "fig.recipe"}}' "$image" 2>/dev/null)" = "$recipe" ] && continue
    cp "$binary" "$tmp/$bin"
    docker_ build -q --label "fig.recipe=$recipe" -t "$image" "$tmp" >/dev/null
    rm -f "$tmp/$bin"
  done
  rm -rf "$tmp"
  local list=("$PAUSE_IMAGE" "$COREDNS_IMAGE" "$redis" "${NODE_TELEMETRY_IMAGES[@]#*=}")
  for app in "${NODE_APPS[@]}"; do list+=("fig-$app:$FIG_IMAGE_TAG"); done
  docker_ save -o "$NODE_STATE/images.tar" "${list[@]}"
  ctr_ images import "$NODE_STATE/images.tar" >"$NODE_STATE/images-import.log"
  rm -f "$NODE_STATE/images.tar"
  echo "$redis" >"$NODE_STATE/redis-image"
}

kubelet_up() {
  mkdir -p "$NODE_VAR/kubelet" "$NODE_VAR/pod-logs"
  cat >"$NODE_STATE/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 without systemd: cgroupfs, and v1 allowed explicitly (1.35+).
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10348
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
clusterDNS: [$CLUSTER_DNS]
clusterDomain: cluster.local
podLogsDir: $NODE_VAR/pod-logs
failSwapOn: false
# A shared CI machine: never evict or collect images because of other users' disk.
evictionHard: { memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1% }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
# A changed ConfigMap reaches its pods' volumes at the next pod sync: 10 s
# instead of a minute, so the migrator scenario's route moves land quickly.
syncFrequency: 10s
YAML
  daemon_start kubelet "$(tool_path kubelet)" --config "$NODE_STATE/kubelet.yaml" \
    --kubeconfig "$NODE_STATE/kubelet.kubeconfig" --root-dir "$NODE_VAR/kubelet" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v=1
}

proxy_up() {
  cat >"$NODE_STATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: { kubeconfig: $NODE_STATE/kube-proxy.kubeconfig }
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
# NodePorts answer on the host's loopback only (the tests' traffic stays on 127.0.0.1).
nodePortAddresses: ["127.0.0.0/8"]
iptables: { localhostNodePorts: true }
metricsBindAddress: 127.0.0.1:10349
healthzBindAddress: 127.0.0.1:10356
# Leave the host's conntrack sysctls alone.
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
  # --v=2: each rules sync is logged with its duration (ADR 0121 measures them).
  daemon_start kube-proxy "$(tool_path kube-proxy)" --config "$NODE_STATE/kube-proxy.yaml" --v=2
}

coredns_up() {
  kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
  - { apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch] }
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  # No forward plugin: this machine has no upstream DNS for pods to use.
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
        }
        cache 30
        loop
        reload
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: coredns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      serviceAccountName: coredns
      # Port 53 without any capability (the pods' NetworkPolicies allow DNS on 53).
      securityContext: { sysctls: [{ name: net.ipv4.ip_unprivileged_port_start, value: "53" }] }
      priorityClassName: system-cluster-critical
      containers:
        - name: coredns
          image: $COREDNS_IMAGE
          imagePullPolicy: Never
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - { name: dns, containerPort: 53, protocol: UDP }
            - { name: dns-tcp, containerPort: 53, protocol: TCP }
          readinessProbe: { httpGet: { path: /ready, port: 8181 }, periodSeconds: 2 }
          livenessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 10 }
          resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { memory: 170Mi } }
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts: [{ name: config, mountPath: /etc/coredns, readOnly: true }]
      volumes: [{ name: config, configMap: { name: coredns } }]
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  clusterIP: $CLUSTER_DNS
  selector: { k8s-app: kube-dns }
  ports:
    - { name: dns, port: 53, targetPort: 53, protocol: UDP }
    - { name: dns-tcp, port: 53, targetPort: 53, protocol: TCP }
YAML
}

main() {
  local start t
  start=$(date +%s)
  preflight
  mkdir -p "$NODE_STATE" "$NODE_VAR" "$NODE_RUN"
  certs
  for n in admin controller-manager scheduler kube-proxy kubelet; do kubeconfig "$n"; done
  network
  t=$(date +%s)
  etcd_up
  apiserver_up
  log "etcd + kube-apiserver ready ($(($(date +%s) - t))s)"
  controllers_up
  containerd_up
  t=$(date +%s)
  images
  log "images imported into containerd ($(($(date +%s) - t))s)"
  kubelet_up
  proxy_up
  wait_for 180 "node $NODE_NAME Ready" bash -c \
    "'$(tool_path kubectl)' --kubeconfig '$NODE_KUBECONFIG' get node $NODE_NAME -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True" || {
    tail -n 40 "$NODE_STATE/kubelet.log" >&2
    die "node did not become Ready"
  }
  coredns_up
  kc -n kube-system rollout status deployment/coredns --timeout=180s >&2 || {
    kc -n kube-system get pods -o wide >&2
    kc -n kube-system describe pods >&2
    die "CoreDNS did not become ready"
  }
  echo "$(($(date +%s) - start))" >"$NODE_STATE/setup-seconds"
  log "node $NODE_NAME Ready, CoreDNS ready: $(($(date +%s) - start))s"
  echo "KUBECONFIG=$NODE_KUBECONFIG"
}
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi

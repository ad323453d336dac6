# shellcheck shell=bash
# A control plane of our own: etcd and kube-apiserver built from their modules
# (build-tools.sh), started idempotently on 127.0.0.1 with certificates made
# here. Sourced after lib.sh. Issue 12 adds kubelet & co. on top of it.
#   cluster_start / cluster_stop / cluster_kubectl ARGS...
CLUSTER_DIR="${FIG_CLUSTER_DIR:-$FIG_DELIVERY_STATE/cluster}"
ETCD_PORT="${FIG_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${FIG_ETCD_PEER_PORT:-23800}"
APISERVER_PORT="${FIG_APISERVER_PORT:-26443}"
SERVICE_CIDR="${FIG_SERVICE_CIDR:-10.96.0.0/16}"
KUBECONFIG_FILE="$CLUSTER_DIR/kubeconfig"

kubectl_bin() {
  local k; k="$(tool_path kubectl)"
  if [ -x "$k" ]; then echo "$k"; else command -v kubectl; fi
}
cluster_kubectl() { "$(kubectl_bin)" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=60s "$@"; }

cluster_certs() {
  local p="$CLUSTER_DIR/pki"
  [ -s "$p/admin.crt" ] && return 0
  mkdir -p "$p"; (
    cd "$p" || exit 1; umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=fig-delivery-ca -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,IP:%s,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' \
      "$(echo "$SERVICE_CIDR" | sed 's|0/16$|1|')" >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj '/CN=fig-admin/O=system:masters' -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile admin.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

cluster_kubeconfig() {
  local p="$CLUSTER_DIR/pki"
  cat >"$KUBECONFIG_FILE" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: fig-delivery
    cluster: { server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$p/ca.crt" }
users:
  - name: fig-admin
    user: { client-certificate: "$p/admin.crt", client-key: "$p/admin.key" }
contexts:
  - name: fig-delivery
    context: { cluster: fig-delivery, user: fig-admin }
current-context: fig-delivery
KC
}

# start_daemon NAME CMD...: runs CMD in the background once (pid file), logs to the cluster dir.
start_daemon() {
  local name="$1"; shift
  local pidf="$CLUSTER_DIR/$name.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then return 0; fi
  setsid nohup "$@" >"$CLUSTER_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$pidf"
}

stop_daemon() {
  local pidf="$CLUSTER_DIR/$1.pid" pid
  [ -f "$pidf" ] || return 0
  pid="$(cat "$pidf")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

cluster_start() {
  local etcd apiserver
  etcd="$(tool_path etcd)"; apiserver="$(tool_path kube-apiserver)"
  [ -x "$etcd" ] && [ -x "$apiserver" ] || die "etcd/kube-apiserver not built: tools/delivery/build-tools.sh etcd kubernetes"
  mkdir -p "$CLUSTER_DIR"
  cluster_certs; cluster_kubeconfig
  start_daemon etcd "$etcd" --name fig-delivery --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "fig-delivery=http://127.0.0.1:$ETCD_PEER_PORT" --quota-backend-bytes 1073741824
  local p="$CLUSTER_DIR/pki"
  start_daemon kube-apiserver "$apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" --client-ca-file "$p/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$p/sa.pub" \
    --service-account-signing-key-file "$p/sa.key" --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC --allow-privileged=false --cert-dir "$p"

  for _ in $(seq 1 120); do
    if [ "$(cluster_kubectl get --raw /readyz 2>/dev/null)" = ok ]; then return 0; fi
    kill -0 "$(cat "$CLUSTER_DIR/kube-apiserver.pid")" 2>/dev/null || break
    sleep 1
  done
  tail -n 30 "$CLUSTER_DIR/kube-apiserver.log" >&2; tail -n 10 "$CLUSTER_DIR/etcd.log" >&2
  die "kube-apiserver did not become ready"
}

cluster_stop() { stop_daemon kube-apiserver; stop_daemon etcd; }
# Forget all state (etcd data), keeping the certificates.
cluster_reset() { cluster_stop; rm -rf "$CLUSTER_DIR/etcd"; }

// Plain reverse-proxy configurations for nginx and haproxy: one worker or
// thread each, keep-alive to the upstream, no access log (as for the gateway).

export function nginxConfig({
  dir,
  port,
  upstreamPort,
}: {
  dir: string;
  port: number;
  upstreamPort: number;
}): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 100000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}

export function haproxyConfig({
  port,
  upstreamPort,
}: {
  port: number;
  upstreamPort: number;
}): string {
  return `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  option forwardfor
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend front
  bind 127.0.0.1:${port}
  default_backend app
backend app
  http-reuse always
  server app1 127.0.0.1:${upstreamPort}
`;
}

export function gatewayRoutes(upstreamUrl: string): string {
  return `version: 1
upstreams:
  app: { endpoints: ["${upstreamUrl}"], connections: 64 }
routes:
  - { name: all, match: { prefix: / }, proxy: { upstream: app } }
`;
}

// The grpc-gateway peer of tools/bench/transcode.ts: HTTP/JSON on 127.0.0.1:PORT,
// transcoded to fig.store.v1.StoreService at STORE_ADDR by the handlers that
// protoc-gen-grpc-gateway generated from http-rule.yaml. Built by the
// benchmark in its cache folder, outside the repository.
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	storev1 "figbench/grpcgateway/storev1"
)

func main() {
	mux := runtime.NewServeMux()
	dial := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	err := storev1.RegisterStoreServiceHandlerFromEndpoint(context.Background(), mux, os.Getenv("STORE_ADDR"), dial)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux))
}

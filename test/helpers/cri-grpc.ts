/**
 * The CRI services as @grpc/grpc-js + protobufjs see them, for tests only: fake CRI servers
 * built on them, and a second, independent reading of the proto file to check the agent's own
 * codec (src/agent/cri/proto-encode.ts, proto-decode.ts) against. The agent itself loads none of these.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { CRI_PROTO_TEXT, type CriServiceName } from "../../src/agent/cri/proto.ts";

/** The shapes the agent has always used: camelCase, int64 as strings, enums by name, defaults filled. */
export const CRI_LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

let loaded: Record<CriServiceName, grpc.ServiceClientConstructor> | undefined;

export function criGrpcServices(): Record<CriServiceName, grpc.ServiceClientConstructor> {
  if (loaded) return loaded;
  const definition = protoLoader.fromJSON(criRoot().toJSON(), CRI_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { runtime: { v1: Record<CriServiceName, grpc.ServiceClientConstructor> } };
  loaded = { RuntimeService: pkg.runtime.v1.RuntimeService, ImageService: pkg.runtime.v1.ImageService };
  return loaded;
}

/** The protobufjs root of the CRI proto (camelCase field names). */
export function criRoot(): protobuf.Root {
  return protobuf.parse(CRI_PROTO_TEXT, { keepCase: false }).root;
}

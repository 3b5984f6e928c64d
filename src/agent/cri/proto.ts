/**
 * The CRI `runtime.v1` services as grpc-js client constructors.
 *
 * The schema is bundled into the executable as text and parsed here, because a
 * `bun build --compile` binary has no proto files on disk for `protoLoader.load` to read.
 * Parsing costs a few milliseconds, so it happens once, on first use.
 *
 * Messages use camelCase field names (`podSandboxId`), 64-bit integers arrive as decimal
 * strings (CRI timestamps are nanoseconds, beyond a JS number's exact range), enums as their
 * names (`"CONTAINER_RUNNING"`), and unset scalars as their defaults.
 *
 * @example
 *   const { RuntimeService } = criServices();
 *   const client = new RuntimeService("unix:///run/containerd.sock", grpc.credentials.createInsecure());
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import criProtoText from "../../../proto/runtime/v1/api.proto" with { type: "text" };

export type CriServiceName = "RuntimeService" | "ImageService";

export const CRI_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export type CriServices = Record<CriServiceName, grpc.ServiceClientConstructor>;

let loaded: CriServices | undefined;

export function criServices(): CriServices {
  loaded ??= load();
  return loaded;
}

function load(): CriServices {
  // keepCase: false turns field names camelCase at parse time; fromJSON keeps them as given.
  const { root } = protobuf.parse(criProtoText, { keepCase: false });
  const definition = protoLoader.fromJSON(root.toJSON(), CRI_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    runtime: { v1: Record<CriServiceName, grpc.ServiceClientConstructor> };
  };
  return { RuntimeService: pkg.runtime.v1.RuntimeService, ImageService: pkg.runtime.v1.ImageService };
}

/** The protobufjs root, for tests that check the schema itself. */
export function criRoot(): protobuf.Root {
  return protobuf.parse(criProtoText, { keepCase: false }).root;
}

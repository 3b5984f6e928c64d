import { describe, expect, test } from "bun:test";
import { containerdConfig, containerdPaths, containerdSocketPath, MAX_UNIX_SOCKET_PATH } from "./config.ts";

const base = {
  dataDir: "/var/lib/k3rs/agent/containerd",
  sandboxImage: "docker.io/k3rs/pause:3.9",
  cniBinDir: "/usr/lib/cni",
  cniConfDir: "/var/lib/k3rs/agent/cni/net.d",
};

function parse(text: string): any {
  return Bun.TOML.parse(text);
}

describe("containerdConfig", () => {
  const conf = parse(containerdConfig(base));
  const cri = conf.plugins["io.containerd.grpc.v1.cri"];

  test("keeps all of containerd's files under the data dir", () => {
    expect(conf.version).toBe(2);
    expect(conf.root).toBe("/var/lib/k3rs/agent/containerd/root");
    expect(conf.state).toBe("/var/lib/k3rs/agent/containerd/state");
    expect(conf.grpc.address).toBe("/var/lib/k3rs/agent/containerd/containerd.sock");
    expect(conf.ttrpc.address).toBe("/var/lib/k3rs/agent/containerd/containerd.sock.ttrpc");
    expect(conf.plugins["io.containerd.internal.v1.opt"].path).toBe("/var/lib/k3rs/agent/containerd/opt");
    expect(cri.containerd.runtimes.runc.options.Root).toBe("/var/lib/k3rs/agent/containerd/runc");
  });

  test("holds the CRI settings this kind of host needs", () => {
    expect(cri).toMatchObject({
      sandbox_image: "docker.io/k3rs/pause:3.9",
      restrict_oom_score_adj: true,
      netns_mounts_under_state_dir: true,
      stream_server_address: "127.0.0.1",
      stream_server_port: "0",
      disable_apparmor: false,
      cni: { bin_dir: "/usr/lib/cni", conf_dir: "/var/lib/k3rs/agent/cni/net.d", max_conf_num: 1 },
    });
    expect(cri.containerd).toMatchObject({ snapshotter: "overlayfs", default_runtime_name: "runc" });
    expect(cri.containerd.runtimes.runc).toMatchObject({
      runtime_type: "io.containerd.runc.v2",
      options: { SystemdCgroup: false },
    });
  });

  test("no cgroup section unless a cgroup parent is given", () => {
    expect(conf.cgroup).toBeUndefined();
    expect(parse(containerdConfig({ ...base, cgroupParent: "/k3rs/node-1" })).cgroup).toEqual({ path: "/k3rs/node-1" });
  });

  test("AppArmor off when asked", () => {
    const c = parse(containerdConfig({ ...base, disableApparmor: true }));
    expect(c.plugins["io.containerd.grpc.v1.cri"].disable_apparmor).toBe(true);
  });

  test("quotes paths that need it", () => {
    const c = parse(containerdConfig({ ...base, dataDir: '/tmp/we"ird\\dir', sandboxImage: "reg:5000/p\tx" }));
    expect(c.root).toBe('/tmp/we"ird\\dir/root');
    expect(c.plugins["io.containerd.grpc.v1.cri"].sandbox_image).toBe("reg:5000/p\tx");
  });

  test("refuses a relative data dir", () => {
    expect(() => containerdConfig({ ...base, dataDir: "data/containerd" })).toThrow(/absolute/);
  });
});

describe("containerdSocketPath", () => {
  test("beside the data when the path fits a unix socket", () => {
    expect(containerdSocketPath("/var/lib/k3rs/agent/containerd")).toBe("/var/lib/k3rs/agent/containerd/containerd.sock");
  });

  test("a short per-data-dir path under /run/k3rs when it does not", () => {
    const deep = `/tmp/${"x".repeat(90)}/agent/containerd`;
    const socket = containerdSocketPath(deep);
    expect(socket).toMatch(/^\/run\/k3rs\/[0-9a-f]{16}\/containerd\.sock$/);
    expect(Buffer.byteLength(`${socket}.ttrpc`)).toBeLessThanOrEqual(MAX_UNIX_SOCKET_PATH);
    expect(containerdSocketPath(deep)).toBe(socket);
    expect(containerdSocketPath(`${deep}2`)).not.toBe(socket);
    expect(containerdPaths(deep).socket).toBe(socket);
    expect(parse(containerdConfig({ ...base, dataDir: deep })).grpc.address).toBe(socket);
  });

  test("the limit counts the .ttrpc sibling", () => {
    // 101 bytes plus ".ttrpc" is 107, the most sun_path holds; one byte more falls back.
    const dir = `/${"d".repeat(101 - "/containerd.sock".length - 1)}`;
    expect(`${dir}/containerd.sock`.length).toBe(101);
    expect(containerdSocketPath(dir)).toBe(`${dir}/containerd.sock`);
    expect(containerdSocketPath(`${dir}d`)).toStartWith("/run/k3rs/");
  });
});

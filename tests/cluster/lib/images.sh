# shellcheck shell=bash
# tests/cluster/cluster.sh (sourced): the container images, built by hand
# into $IMAGES and imported into containerd.

# docker-archive tarballs built by hand: manifest.json + config JSON + one layer.
BUSYBOX_BIN=/bin/busybox   # from Debian busybox-static

make_rootfs_base() { # dir: minimal /etc, /tmp and busybox with applet links
  local root=$1 a
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/var/www" "$root/proc" "$root/sys" "$root/dev"
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  for a in $("$BUSYBOX_BIN" --list); do
    [[ $a == busybox ]] || ln -sf busybox "$root/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$root/etc/group"
  printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
}

# make_image <out.tar> <repo:tag> <rootfs dir> <Entrypoint json> <Cmd json>
make_image() {
  local out=$1 ref=$2 root=$3 ep=$4 cmd=$5 work diffid cfg cfgsha
  work=$(mktemp -d "$IMAGES/.work.XXXXXX")
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
  diffid=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mkdir "$work/$diffid"; mv "$work/layer.tar" "$work/$diffid/layer.tar"
  cfg=$(printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"tests/cluster/cluster.sh"}]}' "$ep" "$cmd" "$diffid")
  printf '%s' "$cfg" > "$work/config.json"
  cfgsha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/$cfgsha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfgsha" "$ref" "$diffid" > "$work/manifest.json"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf "$out.new" manifest.json "$cfgsha.json" "$diffid"
  mv "$out.new" "$out"
  rm -rf "$work"
}

image_fresh() { # tar newer than all inputs
  local t=$1; shift
  [[ -f $t ]] || return 1
  local f; for f in "$@"; do [[ $f -nt $t ]] && return 1; done; return 0
}

build_images() {
  mkdir -p "$IMAGES"
  local root
  if ! image_fresh "$IMAGES/pause.tar" "$BIN/pause" "${CLUSTER_SOURCES[@]}"; then
    log "building image $PAUSE_IMAGE"
    root=$(mktemp -d "$IMAGES/.root.XXXXXX"); cp "$BIN/pause" "$root/pause"
    make_image "$IMAGES/pause.tar" "$PAUSE_IMAGE" "$root" '["/pause"]' 'null'; rm -rf "$root"
  fi
  if ! image_fresh "$IMAGES/busybox.tar" "$BUSYBOX_BIN" "${CLUSTER_SOURCES[@]}"; then
    log "building image $BUSYBOX_IMAGE"
    root=$(mktemp -d "$IMAGES/.root.XXXXXX"); make_rootfs_base "$root"
    make_image "$IMAGES/busybox.tar" "$BUSYBOX_IMAGE" "$root" 'null' '["sh"]'; rm -rf "$root"
  fi
  if ! image_fresh "$IMAGES/agnhost.tar" "$BIN/agnhost" "$BUSYBOX_BIN" "${CLUSTER_SOURCES[@]}"; then
    log "building image $AGNHOST_IMAGE"
    root=$(mktemp -d "$IMAGES/.root.XXXXXX"); make_rootfs_base "$root"; cp "$BIN/agnhost" "$root/agnhost"
    make_image "$IMAGES/agnhost.tar" "$AGNHOST_IMAGE" "$root" '["/agnhost"]' '["pause"]'; rm -rf "$root"
  fi
  if ! image_fresh "$IMAGES/agnhost-noshell.tar" "$BIN/agnhost" "${CLUSTER_SOURCES[@]}"; then
    log "building image $AGNHOST_NOSHELL_IMAGE"
    root=$(mktemp -d "$IMAGES/.root.XXXXXX"); mkdir -p "$root/tmp"; chmod 1777 "$root/tmp"; cp "$BIN/agnhost" "$root/agnhost"
    make_image "$IMAGES/agnhost-noshell.tar" "$AGNHOST_NOSHELL_IMAGE" "$root" '["/agnhost"]' '["pause"]'; rm -rf "$root"
  fi
}

import_images() {
  local t
  for t in pause busybox agnhost agnhost-noshell; do
    ctr -n k8s.io -a "$CONTAINERD_SOCK" images import --platform linux/amd64 "$IMAGES/$t.tar" >/dev/null \
      || { log "image import of $t failed"; return 1; }
  done
}

# plugin-image [binary]: an image of the plugin for `probe --install-schedule`
# ($PLUGIN_IMAGE): the glibc binary (no musl target on this machine) with
# the shared libraries it links, at /usr/local/bin, debug info stripped.
plugin_image() {
  local bin=${1:-} root lib
  if [[ -z $bin ]]; then
    local c
    for c in "$REPO_ROOT"/target/{release,debug}/kubectl-ns_policy; do
      [[ -x $c && ( -z $bin || $c -nt $bin ) ]] && bin=$c
    done
  fi
  [[ -x $bin ]] || die "plugin-image: no plugin binary (build it with cargo build, or pass its path)"
  mkdir -p "$IMAGES"
  root=$(mktemp -d "$IMAGES/.root.XXXXXX")
  mkdir -p "$root/usr/local/bin" "$root/etc" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
  objcopy --strip-debug "$bin" "$root/usr/local/bin/kubectl-ns_policy"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  log "building image $PLUGIN_IMAGE from $bin"
  make_image "$IMAGES/plugin.tar" "$PLUGIN_IMAGE" "$root" '["/usr/local/bin/kubectl-ns_policy"]' 'null'
  rm -rf "$root"
  ctr -n k8s.io -a "$CONTAINERD_SOCK" images import --platform linux/amd64 "$IMAGES/plugin.tar" >/dev/null \
    || die "image import of $PLUGIN_IMAGE failed (is the cluster up?)"
  echo "$PLUGIN_IMAGE"
}

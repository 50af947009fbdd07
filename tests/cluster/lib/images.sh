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

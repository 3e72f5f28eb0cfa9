"""Debian's nginx on a loopback port, running the project's own site config (deploy/nginx-erqi.conf) with
its listen port and upstream servers rewritten for the test."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from ..conftest import PROJECT
from .conftest import _free_port, stop_process

SITE = PROJECT / "deploy" / "nginx-erqi.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def site_for(listen: int, upstream_ports: list[int]) -> str:
    site = SITE.read_text(encoding="utf-8")
    site, n = re.subn(r"^\s*server 127\.0\.0\.1:\d+ (.*)$\n", "", site, flags=re.M)
    assert n >= 2, "the shipped config names at least two app processes"
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in upstream_ports)
    site = site.replace("    hash $erqi_affinity consistent;\n", "    hash $erqi_affinity consistent;\n" + servers)
    site, n = re.subn(r"listen 8080;", f"listen 127.0.0.1:{listen};", site)
    assert n == 1
    return site


class Nginx:
    def __init__(self, upstream_ports: list[int], workdir: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = workdir
        self.access_log = workdir / "access.log"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (workdir / sub).mkdir(parents=True, exist_ok=True)
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        conf = f"""
{user}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format erqi_test '$request_uri $status $upstream_addr';
    access_log {self.access_log} erqi_test;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{site_for(self.port, upstream_ports)}
}}
"""
        (workdir / "nginx.conf").write_text(conf, encoding="utf-8")
        self.proc = subprocess.Popen(
            [
                NGINX,
                "-e",
                str(workdir / "error.log"),
                "-p",
                str(workdir),
                "-c",
                str(workdir / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: " + self.proc.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("nginx did not start")

    def upstream_of(self, uri_part: str) -> list[str]:
        """The upstream address of every logged request whose URI holds uri_part."""
        lines = self.access_log.read_text(encoding="utf-8").splitlines() if self.access_log.exists() else []
        return [line.rsplit(" ", 1)[-1] for line in lines if uri_part in line.split(" ", 1)[0]]

    def stop(self) -> None:
        stop_process(self.proc)

"""A browser cannot choose its own address behind the shipped nginx (issue 34, item 2).

The app runs as deployed: `streamlit run serve.py` with ERQI_TRUSTED_PROXIES naming nginx on this machine,
behind deploy/nginx-erqi.conf. Sign-in attempts are made over Streamlit's own websocket, through nginx,
each carrying a made-up X-Forwarded-For. The attacker sits on 127.0.0.1 (nginx's own address, the case
where a proxy that appends to the header would pass the made-up entry on as the client); the victim's
machine is 127.0.0.2 (a loopback address of its own, so nginx sees it as another machine)."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date

import pytest
from websockets.asyncio.client import connect

from auth import audit
from auth.passwords import hash_password
from bench.viewer import Viewer
from seed.generator import SeedConfig

from ..conftest import PASSWORD, seed_into
from .conftest import Server
from .nginx import NGINX, Nginx
from .test_proxy_browser import _in_thread

ATTACKER, VICTIM = "127.0.0.1", "127.0.0.2"


class SignIn(Viewer):
    """A tab on the sign-in screen, from a chosen source address, sending a chosen X-Forwarded-For."""

    inputs: dict | None = None
    submit: str = ""

    async def connect(self, source: str, forwarded: str) -> None:
        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.inputs = {}
        self.ws = await connect(
            url,
            subprotocols=["streamlit"],
            additional_headers={"X-Forwarded-For": forwarded},
            local_addr=(source, 0),
            open_timeout=self.timeout,
        )
        self._done = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    def _take(self, msg) -> None:
        super()._take(msg)
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "text_input":
                self.inputs[el.text_input.id.split("-", 2)[-1]] = el.text_input.id
            elif el.WhichOneof("type") == "button" and el.button.is_form_submitter:
                self.submit = el.button.id

    async def sign_in(self, login: str, password: str) -> None:
        await self.page("overview")
        back = self._back(page_name=self.page_name)
        for key, value in (("auth_user", login), ("auth_password", password)):
            w = back.rerun_script.widget_states.widgets.add()
            w.id, w.string_value = self.inputs[key], value
        w = back.rerun_script.widget_states.widgets.add()
        w.id, w.trigger_value = self.submit, True
        await self._run(back)


async def attempt(base: str, source: str, forwarded: str, login: str, password: str) -> None:
    tab = SignIn(base)
    await tab.connect(source, forwarded)
    try:
        await tab.sign_in(login, password)
    finally:
        await tab.close()


@pytest.fixture()
def behind_nginx(tmp_path):
    if not shutil.which(NGINX):
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run installs it)")
    url = f"sqlite:///{tmp_path / 'erqi.sqlite'}"
    seed_into(url, SeedConfig(scale=0.02, as_of=date(2017, 12, 31)))
    users = tmp_path / "users.toml"
    users.write_text(
        "".join(
            f'[users.{login}]\nrole = "{role}"\nplace = "{place}"\npassword = "{hash_password(PASSWORD, n=2**10)}"\n'
            for login, role, place in (("s03", "street", "S03"), ("c0302", "community", "S03C02"))
        ),
        encoding="utf-8",
    )
    log = tmp_path / "audit.jsonl"
    app = Server(url, ERQI_USERS_FILE=str(users), ERQI_AUDIT_LOG=str(log), ERQI_TRUSTED_PROXIES="127.0.0.1")
    proxy = None
    try:
        proxy = Nginx([app.port], tmp_path / "nginx")
        yield proxy, log
    finally:
        if proxy is not None:
            proxy.stop()
        app.stop()


def test_a_forged_forwarded_address_moves_no_limit(behind_nginx):
    proxy, log = behind_nginx

    async def attack() -> None:
        # 46 guesses at one name, each claiming another address: one machine, so the pair limit holds
        for i in range(46):
            await attempt(proxy.base, ATTACKER, f"198.51.{i // 200}.{i % 200 + 1}", "c0302", "bad-guess")
        # the victim's address claimed: guesses at the victim's name, and under invented names
        for i in range(20):
            await attempt(proxy.base, ATTACKER, VICTIM, "s03" if i < 6 else f"invented{i}", "bad-guess")
        # the victim, from its own machine, with the right password
        await attempt(proxy.base, VICTIM, VICTIM, "s03", PASSWORD)

    _in_thread(attack)
    events = audit.read(log)
    guesses = [e for e in events if e["user"] == "c0302"]
    assert len(guesses) == 46
    assert {e["client"] for e in events if e["event"] != "sign_in" or e["user"] != "s03"} == {ATTACKER}
    checked = [e for e in guesses if e["event"] == "sign_in_failed"]
    assert len(checked) == 5, f"{len(checked)} of 46 guesses at one name from one machine had their password checked"
    assert {e["reason"] for e in guesses if e["event"] == "sign_in_refused"} == {"locked"}
    last = events[-1]
    assert (last["event"], last["user"], last["client"]) == ("sign_in", "s03", VICTIM), "the victim was locked out"

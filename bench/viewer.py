"""One viewer of a running app server, driven over Streamlit's own websocket protocol.

A viewer is what a browser tab is to the server: one websocket to `/_stcore/stream`, one session. It asks
for a page (a rerun with the page's name and the URL's query string), and "clicks" by sending the widget
states a click on the filter bar sends; each request is timed from the moment it is sent until the
server says the script finished (what a viewer waits for, the server's own costs included). Like the
browser, it keeps the hashes of the cacheable messages it was sent and offers them with every rerun, so
the server may answer with a reference instead of the message.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN  # st.rerun / st.switch_page: the real answer follows
QUEUED = ("系统正在排队", "you are queued")  # the session cap's notice (ui.labels busy_retrying): not a page


class ViewerError(RuntimeError):
    """The server answered a request with an error (an exception element, a compile error, a closed socket)."""


@dataclass
class Selectbox:
    id: str
    options: list[str]
    value: str | None


@dataclass
class Viewer:
    base: str  # http://host:port
    timeout: float = 60.0
    client: str = ""  # X-Forwarded-For: this viewer's own address, as a trusted proxy in front would say it
    ws: object = None
    cached: set[str] = field(default_factory=set)
    selects: dict[str, Selectbox] = field(default_factory=dict)  # by the widget's user key
    buttons: dict[str, str] = field(default_factory=dict)  # button and download-button ids by user key
    page_hash: str = ""
    query: str = ""
    page_name: str = ""
    errors: list[str] = field(default_factory=list)
    _done: asyncio.Queue | None = None
    _reader: asyncio.Task | None = None

    async def open(self) -> None:
        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        headers = {"X-Forwarded-For": self.client} if self.client else None
        self.ws = await connect(
            url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout, additional_headers=headers
        )
        self._done = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                self._take(msg)
        except Exception as exc:  # the socket closed or broke: whoever waits learns it
            await self._done.put(exc)
        else:
            await self._done.put(ViewerError("the server closed the connection"))

    def _take(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if msg.metadata.cacheable and msg.hash:
            self.cached.add(msg.hash)
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            etype = el.WhichOneof("type")
            if etype == "exception":
                self.errors.append(el.exception.message[:200])
            elif etype == "alert" and any(q in el.alert.body for q in QUEUED):
                self.errors.append("queued: the session cap's notice instead of the page")
            elif etype == "selectbox":
                sb = el.selectbox
                key = sb.id.split("-", 2)[-1]  # ids end with the user key, as streamlit composes them
                value = sb.raw_value if sb.HasField("raw_value") else None
                if value is None and sb.HasField("default") and 0 <= sb.default < len(sb.options):
                    value = sb.options[sb.default]
                self.selects[key] = Selectbox(sb.id, list(sb.options), value)
            elif etype in ("button", "download_button"):
                wid = getattr(el, etype).id
                self.buttons[wid.split("-", 2)[-1]] = wid
        elif kind == "script_finished":
            self._done.put_nowait(msg.script_finished)
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name}")

    async def _run(self, back: BackMsg) -> float:
        while not self._done.empty():  # stale finishes from an earlier, interrupted request
            self._done.get_nowait()
        first_errors = len(self.errors)
        started = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        while True:
            got = await asyncio.wait_for(self._done.get(), self.timeout)
            if isinstance(got, Exception):
                raise ViewerError(str(got) or type(got).__name__)
            if got in FINISHED:
                break
            if got != EARLY:
                raise ViewerError(f"script finished with status {got}")
        seconds = time.perf_counter() - started
        if len(self.errors) > first_errors:
            raise ViewerError(self.errors[-1])
        return seconds

    def _back(self, page_name: str = "", widgets=()) -> BackMsg:
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = self.query
        cs.page_name = page_name
        cs.page_script_hash = "" if page_name else self.page_hash
        cs.cached_message_hashes.extend(sorted(self.cached))
        cs.context_info.timezone = "Asia/Shanghai"
        cs.context_info.locale = "zh-CN"
        cs.widget_states.SetInParent()
        for wid, value in widgets:
            w = cs.widget_states.widgets.add()
            w.id = wid
            w.string_value = value
        return back

    async def page(self, name: str, query: str = "") -> float:
        """Open a page by its URL path (as a link or the navigation does); seconds until it finished."""
        self.query = query
        self.page_name = name
        self.selects.clear()
        self.buttons.clear()
        return await self._run(self._back(page_name=name))

    async def click(self, key: str) -> float:
        """Press the button with this user key (the export buttons: their run makes the file); seconds."""
        wid = self.buttons[key]
        self.buttons.pop("snap_file", None)
        widgets = [(s.id, s.value) for s in self.selects.values() if s.value]
        back = self._back(page_name=self.page_name, widgets=widgets)  # the click happens on the page shown
        w = back.rerun_script.widget_states.widgets.add()
        w.id = wid
        w.trigger_value = True
        return await self._run(back)

    async def pick(self, key: str, option_index: int) -> float:
        """Choose option option_index in the filter bar's selectbox with this key (a click); seconds."""
        sb = self.selects[key]
        value = sb.options[option_index % len(sb.options)]
        widgets = [(s.id, value if s is sb else s.value) for s in self.selects.values() if s is sb or s.value]
        return await self._run(self._back(widgets=widgets))

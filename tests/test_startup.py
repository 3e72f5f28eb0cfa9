"""Start-up of a production process (serving.startup): compiled pages are kept when no file is watched."""

from __future__ import annotations

from streamlit import config
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

from serving import startup


def _cache_with_page(tmp_path) -> tuple[ScriptCache, str]:
    page = tmp_path / "page.py"
    page.write_text("x = 1\n", encoding="utf-8")
    cache = ScriptCache()
    cache.get_bytecode(str(page))
    return cache, str(page)


def test_a_production_process_keeps_its_compiled_pages_when_the_last_session_closes(tmp_path, monkeypatch):
    monkeypatch.setattr(ScriptCache, "clear", ScriptCache.clear)  # restored after the test
    monkeypatch.setattr(config, "get_option", lambda key: "none" if key == "server.fileWatcherType" else None)
    assert startup.keep_compiled_pages()
    cache, page = _cache_with_page(tmp_path)
    cache.clear()  # what Streamlit calls when the process has no session left
    assert page in cache._cache  # still compiled: the next lone viewer does not parse and compile again
    assert startup.keep_compiled_pages()  # a second call changes nothing


def test_a_development_server_still_drops_them_so_a_changed_file_is_read_again(tmp_path, monkeypatch):
    monkeypatch.setattr(ScriptCache, "clear", ScriptCache.clear)
    monkeypatch.setattr(config, "get_option", lambda key: "auto" if key == "server.fileWatcherType" else None)
    assert not startup.keep_compiled_pages()
    cache, page = _cache_with_page(tmp_path)
    cache.clear()
    assert cache._cache == {}

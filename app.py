"""Router: the shared chrome, then the selected page (the root URL forwards to the overview)."""

from ui.shell import finish_run, navigation, page_setup, run_page

page = navigation()
if page.url_path:
    page_setup(page.url_path)
run_page(page)
finish_run()

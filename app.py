"""Router: the shared chrome, then the selected page (the root URL forwards to the overview)."""

from ui.chrome.shell import finish_run, navigation, run_page

page = navigation()
run_page(page)  # the shared chrome (page_setup), then the page, under the database-failure guard
finish_run()

"""Router: the shared chrome, then the selected page."""

from ui.shell import navigation, page_setup

page = navigation()
page_setup()
page.run()

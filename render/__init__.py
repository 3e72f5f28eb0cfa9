"""A headless Chromium (Debian's, driven by Playwright) that turns the app's pages and the briefing report
into PNG and PDF files, offline, in a worker process of its own (`python -m render`)."""

"""Shared styles: compact KPI tiles, the demo badge and the as-of stamp."""

CSS = """
[data-testid="stMetricValue"] { font-size: 1.9rem; font-variant-numeric: tabular-nums; }
[data-testid="stMetricLabel"] p { font-size: 0.95rem; }
.asof { text-align: right; color: #555; font-size: 0.95rem; }
.demo-badge { display: inline-block; margin-left: .6rem; padding: .1rem .55rem; border-radius: .4rem;
  background: #fdecea; color: #b3261e; border: 1px solid #f3b7b2; font-weight: 600; }
.block-container { padding-top: 3.6rem; }
.st-key-db_problem [data-testid="stAlertContentError"] p { font-size: 1.35rem; line-height: 1.5;
  color: #7f1d1d !important; }
.st-key-db_problem [data-testid="stCaptionContainer"] p { font-size: 1.05rem; }
/* captions: Streamlit's own grey (#828180 on white, 3.9:1) fails WCAG AA for small text; this one is 6.4:1
   on white and 6.0:1 on the sidebar's #f8f8f7 */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #5f5e5c; opacity: 1; }
"""

# Wall-screen pages (大屏): dark, large type, composed to fit 1920×1080 without scrolling.
SCREEN_CSS = """
[data-testid="stApp"], [data-testid="stHeader"] { background: #0a1526; color: #e8eef5; }
[data-testid="stHeader"] a, [data-testid="stHeader"] span, [data-testid="stHeader"] p { color: #cfd8e3 !important; }
[data-testid="stMain"] .block-container { padding: 3.4rem 1.4rem 0.4rem 1.4rem; max-width: 100%; }
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3,
[data-testid="stMain"] h4, [data-testid="stMain"] p, [data-testid="stMain"] span { color: #e8eef5; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { color: #9fb3c8; opacity: 1; }
.brief-bar { display: flex; align-items: baseline; gap: 1.2rem; border-bottom: 2px solid #c62828; padding-bottom: .3rem; }
.brief-title { font-size: 2.1rem; font-weight: 700; color: #fff; letter-spacing: .05em; }
.brief-scope { font-size: 1.4rem; color: #ffd54f; }
.brief-meta { margin-left: auto; font-size: 1.05rem; color: #9fb3c8; }
.brief-lag { background: #c62828; color: #fff !important; font-weight: 700; border-radius: 6px; padding: 2px 10px; margin-right: .6rem; }
.brief-kpis { display: grid; grid-template-columns: repeat(8, minmax(0, 1fr)); gap: 10px; margin: .5rem 0 .2rem 0; }
.brief-kpi { background: #112240; border: 1px solid #1e3a5f; border-radius: 10px; padding: 6px 9px; }
.brief-kpi .v { font-size: 2.35rem; font-weight: 700; color: #ffd54f; font-variant-numeric: tabular-nums; line-height: 1.15; }
.brief-kpi .l { font-size: 1.05rem; color: #a9bdd3; display: flex; gap: .15em; white-space: nowrap; }
/* a label too long for its cell (English) gives way to the figure's change: cut, its full text on hover */
.brief-kpi .l .k { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.brief-kpi .l .d { margin-left: auto; flex-shrink: 0; max-width: 100%; overflow: hidden; text-overflow: ellipsis; font-weight: 700; font-variant-numeric: tabular-nums; }
.brief-kpi .d.up { color: #ff6e6e; } .brief-kpi .d.down { color: #5fd38d; } .brief-kpi .d.flat { color: #93a7c0; }
/* the wall's grid map and, over its bottom-left corner, the whole district (ui.screen.wall.map_with_inset):
   the inset's wrapper is taken out of the column's flow, so it adds no gap below the map */
.st-key-brief_map_box { position: relative; }
.st-key-brief_map_box > [data-testid="stLayoutWrapper"] { position: absolute; left: 8px; bottom: 8px; z-index: 5; }
.st-key-brief_map_inset { box-sizing: content-box; border: 2px solid #1e3a5f; border-radius: 6px; overflow: hidden;
  box-shadow: 0 2px 10px rgba(0,0,0,.45); background: #dde3e9; }
.brief-panel-title { font-size: 1.35rem; font-weight: 700; color: #fff; margin: .2rem 0 .2rem 0;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.brief-warn { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
.brief-warn div { background: #2a1216; border: 1px solid #7f1d1d; border-radius: 10px; padding: 4px 10px; }
.brief-warn .v { font-size: 2rem; font-weight: 700; color: #ff8a80; }
.brief-warn .l { display: block; font-size: 1rem; color: #f0c0bc; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.brief-list { font-size: 1.05rem; line-height: 1.55; color: #e8eef5; margin-top: .4rem; }
.brief-list .d { color: #ff8a80; float: right; }
.demo-badge { background: #3b1116; color: #ff8a80; border-color: #7f1d1d; }
"""

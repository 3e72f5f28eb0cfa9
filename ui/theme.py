"""Shared styles: compact KPI tiles, the demo badge and the as-of stamp."""

CSS = """
[data-testid="stMetricValue"] { font-size: 1.9rem; font-variant-numeric: tabular-nums; }
[data-testid="stMetricLabel"] p { font-size: 0.95rem; }
.asof { text-align: right; color: #555; font-size: 0.95rem; }
.demo-badge { display: inline-block; margin-left: .6rem; padding: .1rem .55rem; border-radius: .4rem;
  background: #fdecea; color: #b3261e; border: 1px solid #f3b7b2; font-weight: 600; }
.block-container { padding-top: 3.6rem; }
"""

"""The report's print stylesheet: A4 portrait, serif body and sans headings in Noto CJK, red masthead."""

CSS = """
@page {
  size: A4 portrait;
  margin: 18mm 16mm 20mm 16mm;
  @bottom-left { font: 8pt 'Noto Sans CJK SC', sans-serif; color: #666; }
  @bottom-right { font: 8pt 'Noto Sans CJK SC', sans-serif; color: #666; }
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font-family: 'Noto Serif CJK SC', 'Noto Serif SC', serif; font-size: 10.5pt;
  line-height: 1.6; color: #1d1d1f; font-variant-numeric: tabular-nums; }
h2, h3, th, .tile, .legend, .caption, .meta, .stamps, figcaption, .warn-counts, .cover-place, .cover-period,
.demo-stamp, dt { font-family: 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif; }
h2 { font-size: 15pt; color: #8e1b14; margin: 0 0 3mm; padding-bottom: 1.5mm; border-bottom: 1.5px solid #b3261e;
  break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; break-after: avoid; }
section { margin-top: 6mm; }
section.maps { break-before: page; margin-top: 0; }
section.warnings { margin-top: 8mm; }
.caption { font-size: 8.5pt; color: #555; margin: 1.5mm 0; line-height: 1.5; }
.empty { color: #555; }

/* 1. the cover: a masthead in the red of a 红头文件 */
.cover { text-align: center; padding-top: 9mm; position: relative; }
.masthead { font-family: 'Noto Serif CJK SC', serif; font-weight: 900; color: #c8161d; font-size: 27pt;
  letter-spacing: .12em; line-height: 1.35; }
.cover-place { font-size: 15pt; margin-top: 2.5mm; font-weight: 700; }
.cover-period { font-size: 13pt; margin-top: 1mm; }
.red-rule { height: 4px; border-top: 2.5px solid #c8161d; border-bottom: 1px solid #c8161d; margin: 3mm 0 2.5mm; }
/* scope, period, comparison: one line, each item whole (a long one moves to the next line, not its words) */
.meta { display: flex; flex-wrap: wrap; justify-content: center; gap: .8mm 7mm; margin: 0; font-size: 10pt; }
.meta .item { white-space: nowrap; }
.meta .key { color: #666; margin-right: 3mm; }
.stamps { font-size: 9pt; color: #555; margin: 1mm 0 0; }
.demo-stamp { position: absolute; top: -2mm; right: -2mm; border: 2.5px solid #c8161d; color: #c8161d; font-weight: 700;
  font-size: 14pt; padding: 1mm 3mm; transform: rotate(8deg); letter-spacing: .1em; }
.demo-note { font-size: 8.5pt; color: #8e1b14; border: 1px solid #e3b4b0; background: #fdf3f2; padding: 1.5mm 3mm;
  margin: 2mm 0 0; text-align: left; }

/* 2. headline figures */
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 2mm; break-inside: avoid; }
.tile { border: 1px solid #d7dbe0; border-radius: 2mm; padding: 1.8mm 2mm 1.5mm; background: #fafbfc; }
.t-label { font-size: 8.5pt; color: #444; line-height: 1.3; }
.t-value { font-size: 14pt; font-weight: 700; line-height: 1.35; white-space: nowrap; }
.t-value .unit { font-size: 8pt; font-weight: 400; margin-left: 1mm; color: #555; }
.tile .sub { font-size: 7.5pt; color: #555; line-height: 1.3; }
.t-change { font-size: 8pt; margin-top: .6mm; line-height: 1.3; }
.t-change .was { display: block; color: #777; font-size: 7.5pt; }
.up { color: #c62828; } .down { color: #2e7d32; } .flat { color: #777; }

/* 3. maps */
figure.map-figure { margin: 0 0 5mm; break-inside: avoid; }
figcaption { font-size: 11pt; font-weight: 700; margin: 2mm 0; }
svg.map { display: block; margin: 0 auto; max-width: 100%; height: auto; }
svg.map .sea { fill: #eef1f4; }
svg.map .district { fill: #fbfaf6; stroke: #b3261e; stroke-width: 1.6; stroke-linejoin: round; }
svg.map .sibling { fill: #f1f2f4; stroke: #a4abb3; stroke-width: .8; }
svg.map .area { fill-opacity: .28; stroke: #5a626c; stroke-width: .8; stroke-linejoin: round; }
svg.map .faint { fill: none; stroke: #a4abb3; stroke-width: .6; }
svg.map .scope { fill: none; stroke: #b3261e; stroke-width: 2.2; stroke-linejoin: round; }
svg.map .grp { stroke: #fff; stroke-width: .4; }
svg.map .demo { stroke-width: 1.3; }
svg.map .cell { fill-opacity: .9; stroke: none; }
svg.map .heat-area { fill-opacity: .85; stroke: #fff; stroke-width: 1.2; stroke-linejoin: round; }
svg.map .svc { fill-opacity: .72; stroke-width: .8; }
svg.map .lbl { fill: #212529; font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }
svg.map .small { fill: #444; }
svg.map .stamp { fill: #8e1b14; font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.map .leader { fill: none; stroke: #5a626c; stroke-width: .7; }
svg.map .anchor { fill: #212529; }
svg.map .bar { fill: none; stroke: #333; stroke-width: 1; }
svg.map .focus { fill: none; stroke: #14181c; stroke-width: 1.3; stroke-dasharray: 5 3; }
.legend { font-size: 8.5pt; color: #333; margin-top: 1.5mm; text-align: center; }
.legend span { display: inline-flex; align-items: center; margin: 0 3mm; white-space: nowrap; }
.legend i { display: inline-block; width: 3.2mm; height: 3.2mm; margin-right: 1.2mm; border-radius: 50%; }
.legend i.dot { background: #6c757d; border: 1px solid #fff; }
.legend i.dot.demo { background: #ffc107; border: 1.5px solid #b3261e; }
.legend i.line { border-radius: 0; height: 0; border-top: 2px solid #b3261e; }
.legend i.box { border-radius: 0; border: 1.3px dashed #14181c; }
.heat-row { display: flex; align-items: flex-start; justify-content: center; gap: 4mm; }
.heat-row svg.map { margin: 0; }
.heat-legend { text-align: left; margin: 0; display: flex; flex-direction: column; gap: 1mm; white-space: nowrap; }
.heat-legend span { margin: 0; }
.heat-legend i { border-radius: 0; }
.heat-legend b.second { margin-top: 2.5mm; }
.heat-legend svg.chip { margin-right: 1.2mm; flex: none; }

/* 4. tables */
table.data { width: 100%; border-collapse: collapse; font-size: 9pt; break-inside: avoid;
  font-family: 'Noto Sans CJK SC', sans-serif; }
table.data th { background: #f1f3f5; font-weight: 700; padding: 1.2mm 1.5mm; border-top: 1.2px solid #333;
  border-bottom: 1px solid #999; text-align: center; line-height: 1.3; }
table.data td { padding: .9mm 1.5mm; border-bottom: .5px solid #d5d9de; line-height: 1.35; }
table.data tbody tr:last-child td { border-bottom: 1.2px solid #333; }
table.data tr { break-inside: avoid; }
table.data thead { display: table-header-group; }
td.num { text-align: right; white-space: nowrap; }
td.move, td.date, table.warn td.num { text-align: center; white-space: nowrap; }
table.tasks { break-inside: auto; }

/* 5. warnings */
.warn-counts { display: flex; gap: 3mm; margin: 2mm 0 3mm; break-inside: avoid; }
.warn-counts div { flex: 1; border: 1px solid #e3b4b0; background: #fdf3f2; border-radius: 2mm; padding: 2mm 3mm; }
.warn-counts .v { font-size: 17pt; font-weight: 700; color: #b3261e; margin-right: 2mm; }
.warn-counts .l { font-size: 9pt; }
p.group, p.names { break-inside: avoid; margin: 1mm 0; font-size: 9.5pt; line-height: 1.6; text-align: justify; }
p.group b { font-family: 'Noto Sans CJK SC', sans-serif; }
.lack { color: #8e1b14; font-size: 8.5pt; }

/* 数据解读: the figures in sentences, read aloud */
section.summary { margin-top: 5mm; border-left: 3px solid #b3261e; background: #fbf6f5; padding: 1mm 4mm 1.5mm;
  break-inside: avoid; }
section.summary h3 { margin: 1.5mm 0 1mm; color: #8e1b14; }
section.summary p { margin: 0 0 1mm; text-indent: 2em; text-align: justify; line-height: 1.55; font-size: 10pt; }

/* appendix: the full lists, the header repeated on every page */
section.appendix { break-before: page; margin-top: 0; }
table.data.list { break-inside: auto; font-size: 8.5pt; }
table.data.list td { padding: .5mm 1.5mm; }

/* 6. definitions */
section.defs { break-inside: avoid; }
dl { display: grid; grid-template-columns: 36mm 1fr; gap: 1mm 4mm; font-size: 8.5pt; margin: 0; }
dt { font-weight: 700; break-after: avoid; }
dd { margin: 0; line-height: 1.5; }
"""

"""网格地图 (pages/grid_map.py): the map itself (deck: layers, colours, legend, tooltips), the side panels
(panels), the picked building group (selection) and texts (text)."""

"""The suite checks every Altair spec a page builds against the Vega-Lite schema (a served process skips
the check for speed: ui/charts.py), so a chart that would not draw fails a test rather than a viewer."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from ui import charts


def test_the_suite_checks_every_chart_spec():
    assert charts.VALIDATE  # tests/conftest.py sets ERQI_VALIDATE_CHARTS=1 before the app's modules load

    def broken(df: pd.DataFrame) -> alt.Chart:  # "quantity" is no field type Vega-Lite knows
        return alt.Chart(df).mark_bar().encode(x=alt.X("a", type="quantity"))

    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        charts.spec(pd.DataFrame({"a": [1]}), broken)
    assert broken(pd.DataFrame({"a": [1]})).to_dict(validate=False)  # unchecked, it would have gone out
    assert charts.spec(pd.DataFrame({"a": [1]}), lambda df: alt.Chart(df).mark_bar().encode(x="a:Q"))["mark"]

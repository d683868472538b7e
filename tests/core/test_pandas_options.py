"""pandas keeps text in Python strings once Django is set up (core.apps), though pyarrow is installed."""

import pandas as pd


def test_text_columns_are_python_strings():
    frame = pd.DataFrame({"status": ["lagging", "ahead"]})
    assert pd.get_option("mode.string_storage") == "python"
    assert frame["status"].dtype.storage == "python"

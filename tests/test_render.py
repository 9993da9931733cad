import pandas as pd

from kmrepro.publish.tables import scorecard_order


def test_scorecard_puts_problems_first_in_publication_order():
    claims = pd.DataFrame({"id": list("abcdef"), "status": ["input-only", "reproduced", "differs", "reproduced", "inconsistent", "differs"]})
    assert scorecard_order(claims)["id"].tolist() == ["c", "f", "e", "b", "d", "a"]

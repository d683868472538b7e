"""REST API under /api/ (issue 4 fills this in)."""

urlpatterns: list = []

"""Plan set-up screens under /plans/ (issue 5 fills this in)."""

app_name = "plans"
urlpatterns: list = []

"""Data-entry screens under /entry/ (issue 5 fills this in)."""

app_name = "entry"
urlpatterns: list = []

"""``{% pagecache %}…{% endpagecache %}``: the enclosed block rendered once per page key.

The key is the context's ``fragment_key`` (``dashboards.views._cached``: the page, the park and plan or
what the viewer may see, the query string, the language, today and the data's generations); without
one (the page cache off, or a page that is not cached) the block is rendered every time and nothing is
kept. What the block renders must not show the viewer: no user, no CSRF token, no request.
"""

from django import template

from core.cache import page_get, page_set

register = template.Library()


class PageCacheNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context) -> str:
        key = context.get("fragment_key")
        if not key:
            return self.nodelist.render(context)
        key += ":html"
        found = page_get(key)
        if found is None:
            found = self.nodelist.render(context)
            page_set(key, found)
        return found


@register.tag("pagecache")
def pagecache(parser, token):
    nodelist = parser.parse(("endpagecache",))
    parser.delete_first_token()
    return PageCacheNode(nodelist)

"""`agentguard view`: a trace or an eval run folder in the browser.

Served by the standard library on the loopback interface (`serve`), or written as one
self-contained HTML file (`render_page(embedded_data(view))`). The page ships in the package:
HTML, CSS and plain JavaScript, nothing fetched from elsewhere.
"""

from agentguard.viewer.data import TraceView
from agentguard.viewer.page import MAX_EMBEDDED, embedded_data, render_page
from agentguard.viewer.query import filters_of
from agentguard.viewer.server import ViewServer, serve

__all__ = [
    "MAX_EMBEDDED",
    "TraceView",
    "ViewServer",
    "embedded_data",
    "filters_of",
    "render_page",
    "serve",
]

"""A crawler that clicks through the portal as one signed-in person (issue 13).

From the dashboard it clicks every link it finds: links that navigate (boosted or not) and
links that load a fragment with htmx (`hx-get`), and inside such a fragment the links it brought.
It never submits a form and never follows a link that changes state (sign-out is a form).
Downloads (`download` links) are fetched, not opened. On every state it checks:

- exactly one <header> and one <main>;
- the <h1> belongs to the URL shown: a click shows the same <h1> as loading that URL anew;
- no console error, no Content-Security-Policy report, no uncaught exception, no `htmx:*Error`;
- no 4xx/5xx answer;
- axe-core finds no serious or critical violation.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.sync_playwright import Axe

# Records what the page itself reports: CSP violations and htmx error events (any
# "htmx:...Error" event, whatever element it is dispatched on), and the htmx requests in flight.
WATCH_SCRIPT = """
(() => {
  window.__problems = [];
  window.__htmxBusy = 0;
  document.addEventListener('securitypolicyviolation', e => window.__problems.push(
    'CSP: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline') +
    (e.sourceFile ? ' (' + e.sourceFile + ':' + e.lineNumber + ')' : '')));
  const dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) {
    const type = event && event.type || '';
    if (/^htmx:.*error$/i.test(type)) window.__problems.push(type);
    if (type === 'htmx:beforeSend') window.__htmxBusy += 1;
    if (type === 'htmx:afterRequest') window.__htmxBusy = Math.max(0, window.__htmxBusy - 1);
    return dispatch.call(this, event);
  };
})();
"""

LAYOUT_SCRIPT = """() => ({
  headers: document.querySelectorAll('header').length,
  mains: document.querySelectorAll('main').length,
  h1: [...document.querySelectorAll('h1')].map(h => h.innerText.trim()),
})"""

# Only what a person can reach: with a modal dialog open, the page behind it is inert.
LINKS_SCRIPT = """() => [...(document.querySelector('dialog:modal') || document)
  .querySelectorAll('a[href], a[hx-get], button[hx-get]')]
  .filter(a => a.offsetParent !== null || a.getClientRects().length)
  .map(a => ({href: a.getAttribute('href'), hxGet: a.getAttribute('hx-get'),
              download: a.hasAttribute('download'), text: a.innerText.trim().slice(0, 60),
              tag: a.tagName}))"""

def shape(url: str) -> str:
    """The kind of page a URL shows: numbers (ids, years, page numbers) made alike. Of the
    links of one shape the crawler clicks the first and requests the others."""
    return re.sub(r"\d+", "N", url)


# GET forms change nothing (a year, a run, a filter): they are submitted as they are.
GET_FORMS = """[...(document.querySelector('dialog:modal') || document).querySelectorAll('form')]
  .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get'
               && !f.hasAttribute('hx-post') && f.offsetParent !== null
               && f.querySelector('button, input[type=submit]'))"""
GET_FORMS_SCRIPT = f"""() => {GET_FORMS}
  .map(f => f.getAttribute('hx-get') || f.getAttribute('action') || '')"""
GET_FORM_SUBMIT_SCRIPT = f"""(index) => {GET_FORMS}[index]
  .querySelector('button, input[type=submit]')"""

NOT_FOLLOWED = re.compile(r"/(logout|sign-?out)\b")
SEVERE = {"serious", "critical"}


@dataclass(frozen=True)
class State:
    """A page loaded from its URL, then the fragment links clicked on it, in order."""
    url: str
    clicks: tuple[str, ...] = ()

    def __str__(self):
        return self.url + "".join(f" → click {c}" for c in self.clicks)


@dataclass
class Report:
    role: str
    pages: set = field(default_factory=set)           # URLs loaded and checked
    fragments: set = field(default_factory=set)       # fragment states checked
    links_followed: int = 0                           # links clicked
    links_fetched: int = 0                            # links requested without a click
    forms_submitted: int = 0                          # GET forms (year, run, filters)
    links_seen: int = 0                               # links found on all states
    problems: list = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.role}: {len(self.pages)} pages and {len(self.fragments)} htmx fragments"
                f" checked; of {self.links_seen} links seen, {self.links_followed} clicked and"
                f" {self.links_fetched} more requested (downloads, and pages like ones clicked);"
                f" {self.forms_submitted} GET forms submitted")


class Crawler:
    def __init__(self, page, base_url: str, role: str, max_fragment_depth: int = 2):
        self.page, self.base = page, base_url.rstrip("/")
        self.report = Report(role)
        self.max_depth = max_fragment_depth
        self.axe = Axe()
        self.h1_of_url: dict[str, list] = {}         # from loading the URL itself
        self.h1_after_click: dict[str, tuple] = {}   # url -> (h1, state it was clicked from)
        self.queued: set[str] = set()
        self.clicked: set[tuple] = set()
        self.fetched: set[str] = set()
        self.events: list[str] = []
        page.add_init_script(WATCH_SCRIPT)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.events.append(f"uncaught: {error}"))
        page.on("response", self._response)

    # -- what the browser reports ---------------------------------------------------------------

    def _console(self, message) -> None:
        if message.type == "error":
            self.events.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.url.startswith(self.base):
            self.events.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def _problem(self, state: State, what: str) -> None:
        self.report.problems.append(f"[{self.report.role}] {state}: {what}")

    def _collect(self, state: State) -> None:
        problems = self.page.evaluate("() => window.__problems.splice(0)")
        for event in self.events + problems:
            self._problem(state, event)
        self.events.clear()

    # -- moving around --------------------------------------------------------------------------

    def _settle(self) -> None:
        self.page.wait_for_load_state()
        self.page.wait_for_timeout(30)
        self.page.wait_for_function(
            "() => document.readyState === 'complete' && window.__htmxBusy === 0 &&"
            " !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")

    def _load(self, state: State) -> None:
        self.page.goto(self.base + state.url if state.url.startswith("/") else state.url)
        self._settle()
        for hx_get in state.clicks:
            self._click(f'[hx-get="{hx_get}"]')

    def _click(self, selector: str) -> None:
        self.page.locator(selector).locator("visible=true").first.click()
        self._settle()

    def _shown_url(self) -> str:
        parts = urlsplit(urldefrag(self.page.url).url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # -- checks ---------------------------------------------------------------------------------

    def _check(self, state: State) -> dict:
        layout = self.page.evaluate(LAYOUT_SCRIPT)
        if layout["headers"] != 1 or layout["mains"] != 1:
            self._problem(state, f"{layout['headers']} <header> and {layout['mains']} <main>")
        if len(layout["h1"]) != 1:
            self._problem(state, f"<h1> elements: {layout['h1']}")
        self._collect(state)
        return layout

    def _axe(self, state: State) -> None:
        results = self.axe.run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] in SEVERE:
                targets = [node["target"] for node in violation["nodes"]][:5]
                self._problem(state, f"axe {violation['impact']} {violation['id']}: "
                                     f"{violation['help']} at {targets}")

    # -- the crawl ------------------------------------------------------------------------------

    def crawl(self, start: str = "/") -> Report:
        queue = [start]
        self.queued.add(start)
        while queue:
            url = queue.pop(0)
            self._visit(State(url), queue)
        self._compare_h1()
        return self.report

    def _visit(self, state: State, queue: list) -> None:
        self._load(state)
        if state.clicks:
            self.report.fragments.add(state)
        else:
            self.report.pages.add(state.url)
        layout = self._check(state)
        if not state.clicks:
            self.h1_of_url[state.url] = layout["h1"]
        self._axe(state)
        self._collect(state)
        links = self.page.evaluate(LINKS_SCRIPT)
        forms = self.page.evaluate(GET_FORMS_SCRIPT)
        self.report.links_seen += len(links)
        for link in links:
            self._follow(state, link, layout, queue)
        for index, action in enumerate(forms):
            self._submit_get_form(state, index, action, queue)

    def _submit_get_form(self, state: State, index: int, action: str, queue: list) -> None:
        key = ("form", shape(state.url), shape(action))
        if key in self.clicked:
            return
        self.clicked.add(key)
        self._load(state)
        self.page.evaluate_handle(GET_FORM_SUBMIT_SCRIPT, index).as_element().click()
        self._settle()
        self.report.forms_submitted += 1
        self._arrived(state, f"form {action or state.url}", queue)

    def _arrived(self, state: State, how: str, queue: list) -> None:
        """After a click that may have navigated: check the page, and queue its URL."""
        shown = self._shown_url()
        after = self._check(State(shown))
        self.h1_after_click.setdefault(shown, (after["h1"], f"{state} → {how}"))
        if shown not in self.queued:
            self.queued.add(shown)
            queue.append(shown)

    def _local(self, href: str | None) -> str | None:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            return None
        url = urldefrag(href).url
        if url.startswith(self.base):
            url = url[len(self.base):]
        if not url.startswith("/") or NOT_FOLLOWED.search(url):
            return None
        return url

    def _follow(self, state: State, link: dict, layout: dict, queue: list) -> None:
        if link["hxGet"]:
            self._follow_fragment(state, link, layout, queue)
            return
        url = self._local(link["href"])
        if url is None or url in self.fetched:
            return
        self.fetched.add(url)
        if link["download"] or ("nav", shape(url)) in self.clicked:
            self._fetch(state, url)  # a download, or a page like one clicked already
            return
        self.clicked.add(("nav", shape(url)))
        self._load(state)
        self._click(f'a[href="{link["href"]}"]')
        self.report.links_followed += 1
        self._arrived(state, repr(link["text"]), queue)

    def _follow_fragment(self, state: State, link: dict, layout: dict, queue: list) -> None:
        hx_get = link["hxGet"]
        url = self._local(link["href"])
        if url is not None and url not in self.fetched:  # where the link goes without htmx
            self.fetched.add(url)
            self._fetch(state, url)
        # The same fragment link (a row's Edit, on this page or another) is clicked once.
        key = ("fragment", tuple(map(shape, state.clicks)), shape(hx_get))
        if len(state.clicks) >= self.max_depth or key in self.clicked or hx_get in state.clicks:
            return
        self.clicked.add(key)
        self._load(state)
        self._click(f'[hx-get="{hx_get}"]')
        self.report.links_followed += 1
        shown = self._shown_url()
        clicked_state = State(state.url, state.clicks + (hx_get,))
        after = self._check(clicked_state)
        if shown == state.url and after["h1"] != layout["h1"]:
            self._problem(clicked_state, f"<h1> changed from {layout['h1']} to {after['h1']}")
        if shown != state.url:
            self.h1_after_click.setdefault(shown, (after["h1"], str(clicked_state)))
            if shown not in self.queued:
                self.queued.add(shown)
                queue.append(shown)
            return
        self.report.fragments.add(clicked_state)
        self._axe(clicked_state)
        self._collect(clicked_state)
        links = self.page.evaluate(LINKS_SCRIPT)
        self.report.links_seen += len(links)
        for inner in links:
            self._follow(clicked_state, inner, after, queue)

    def _fetch(self, state: State, url: str) -> None:
        """A link not clicked (see `shape`) is still requested with the person's session."""
        response = self.page.context.request.get(self.base + url)
        self.report.links_fetched += 1
        if response.status >= 400:
            self._problem(state, f"link {url}: HTTP {response.status}")
        elif response.headers.get("content-type", "").startswith("text/html"):
            html = response.text()
            counts = [len(re.findall(rf"<{tag}[\s>]", html)) for tag in ("header", "main", "h1")]
            if counts != [1, 1, 1]:
                self._problem(State(url), "<header>, <main>, <h1> counted %s" % counts)
        response.dispose()

    def _compare_h1(self) -> None:
        for url, (h1, via) in self.h1_after_click.items():
            expected = self.h1_of_url.get(url)
            if expected is not None and h1 != expected:
                self.report.problems.append(
                    f"[{self.report.role}] {via}: shows {url} with <h1> {h1}, "
                    f"but {url} itself has <h1> {expected}")

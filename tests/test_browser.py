"""The docs site in a real browser: headless Debian Chromium (selenium + chromedriver) on a local server at 127.0.0.1.

Skipped where Chromium or its driver is missing, unless CATDOG_REQUIRE_BROWSER=1 (set by .ci/run): then it fails."""
import functools, http.server, os, shutil, tempfile, threading, time
from pathlib import Path
import pytest
from cli_helpers import ROOT, built_site, headless_chromium, severe_entries

CHROMIUM, DRIVER = shutil.which('chromium'), shutil.which('chromedriver')
REQUIRED = os.environ.get('CATDOG_REQUIRE_BROWSER') == '1'
if not (CHROMIUM and DRIVER):
    if REQUIRED: pytest.fail('CATDOG_REQUIRE_BROWSER=1 but chromium/chromedriver are missing: apt-get install -y chromium chromium-driver',
                             pytrace=False)
    pytest.skip('no chromium/chromedriver (apt-get install -y chromium chromium-driver)', allow_module_level=True)
webdriver = pytest.importorskip('selenium.webdriver') if not REQUIRED else __import__('selenium.webdriver').webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


class _Quiet(http.server.SimpleHTTPRequestHandler):
    "A static file handler that does not log every request."
    def log_message(self, *a):
        "Log nothing."
        pass


@pytest.fixture(scope='module')
def server():
    "The built site served on 127.0.0.1 (a free port) from a thread; its base URL."
    site = built_site()
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(site)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True); t.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    httpd.shutdown(); httpd.server_close()


@pytest.fixture(scope='module')
def browser():
    "Headless Chromium with a fresh profile, no network services of its own, logging the console."
    yield from headless_chromium(webdriver, CHROMIUM, DRIVER)


_severe = severe_entries


def _not_blank(png: bytes) -> int:
    "Number of distinct colours in a PNG screenshot."
    import io
    from PIL import Image
    return len(Image.open(io.BytesIO(png)).convert('RGB').getcolors(1 << 24) or [])


def test_home_page(server, browser):
    "The home page loads without console errors and its screenshot (results/docs_home.png) is not blank."
    browser.get(server)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script('return document.readyState') == 'complete')
    assert 'catdog' in browser.title
    time.sleep(0.5)
    assert not _severe(browser), _severe(browser)
    png = browser.get_screenshot_as_png()
    (ROOT/'results').mkdir(exist_ok=True); (ROOT/'results'/'docs_home.png').write_bytes(png)
    assert _not_blank(png) > 200


def test_navigation_to_a_chapter(server, browser):
    "A sidebar link leads to the chapter; its page shows its figures and has no console errors."
    browser.get(server)
    link = WebDriverWait(browser, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, '#quarto-sidebar a[href$="05_interpret.html"]'))
    browser.execute_script('arguments[0].click()', link)
    WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith('05_interpret.html') and d.execute_script('return document.readyState') == 'complete')
    h1 = browser.find_element(By.TAG_NAME, 'h1').text
    assert 'decided' in h1.lower(), h1
    imgs = browser.find_elements(By.CSS_SELECTOR, 'main img')
    assert imgs and all(browser.execute_script('return arguments[0].complete && arguments[0].naturalWidth > 0', i) for i in imgs)
    time.sleep(0.5)
    assert not _severe(browser), _severe(browser)
    assert _not_blank(browser.get_screenshot_as_png()) > 200


def test_search(server, browser):
    "Typing in the search box lists results; the first one for an API name opens its page."
    browser.get(server)
    box = WebDriverWait(browser, 30).until(lambda d: next(e for e in d.find_elements(By.CSS_SELECTOR, '.smalldocs-search input') if e.is_displayed()))
    box.send_keys('adversarial_example')
    hits = WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.search-result'))
    hrefs = [h.get_attribute('href') for h in hits]
    assert any('02_adversarial.html' in h for h in hrefs), hrefs
    browser.get(next(h for h in hrefs if '02_adversarial.html' in h))
    WebDriverWait(browser, 30).until(lambda d: '02_adversarial.html' in d.current_url)
    assert 'adversarial' in browser.find_element(By.TAG_NAME, 'h1').text.lower()
    assert not _severe(browser), _severe(browser)


def test_every_page_loads_cleanly(server, browser):
    "Every page of the site, maths pages included (KaTeX served locally), loads without a console error."
    for page in sorted(p.name for p in built_site().glob('*.html')):
        browser.get(server + page)
        WebDriverWait(browser, 30).until(lambda d: d.execute_script('return document.readyState') == 'complete')
        time.sleep(0.3)
        assert not _severe(browser), (page, _severe(browser))
    browser.get(server + '03_noise.html')
    if browser.find_elements(By.CSS_SELECTOR, 'script[src*="katex"]'):
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.katex'))  # maths typeset

"""`catdog app` in a real browser: the page served by the command on a free port, driven through headless Debian Chromium.

The browser test is skipped where Gradio, Chromium or its driver is missing, unless CATDOG_REQUIRE_BROWSER=1 (set by .ci/run):
then it fails. The command-line checks run everywhere."""
import importlib.util, io, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path
import pytest
from cli_helpers import ROOT, catdog_cli, headless_chromium, severe_entries

CHROMIUM, DRIVER = shutil.which('chromium'), shutil.which('chromedriver')
REQUIRED = os.environ.get('CATDOG_REQUIRE_BROWSER') == '1'
HAVE_GRADIO = importlib.util.find_spec('gradio') is not None
EXAMPLE = ROOT.parent/'shared'/'data'/'oxford-dev'/'dog'/'beagle_156.jpg'  # a dog every shipped model gets right (read in place, never copied)


def test_app_help():
    "`catdog app --help` lists its options (and needs no Gradio)."
    r = catdog_cli('app', '--help')
    assert r.returncode == 0 and 'usage: catdog app' in r.stdout and '--port' in r.stdout and '--share' in r.stdout


def test_app_without_gradio_says_how_to_install():
    "Without Gradio, `catdog app` prints how to install it and exits 1, without a traceback; `import catdog.app` needs no Gradio."
    code = "import sys; sys.modules['gradio'] = None; import catdog.app; from catdog.cli import main; sys.exit(main(['app']))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "pip install 'catdog[app]'" in r.stderr and 'Traceback' not in r.stderr, r.stderr


def test_examples_read_in_place_and_credited():
    "The page's examples are read from the measuring set beside the project (never copied into the package) and credited."
    import catdog.app
    photos = catdog.app.examples()
    assert len(photos) == len(catdog.app.EXAMPLE_FILES) and all(p.is_relative_to(catdog.app.EXAMPLES) for p in photos)
    assert not (ROOT/'catdog'/'examples').exists()
    assert 'Oxford-IIIT Pet' in catdog.app.CREDIT and 'CC BY-SA 4.0' in catdog.app.CREDIT


# ---- the page in a browser ----

def _needs(ok: bool, what: str):
    "Skip (or fail under CATDOG_REQUIRE_BROWSER=1) when `what` is missing."
    if ok: return
    if REQUIRED: pytest.fail(f'CATDOG_REQUIRE_BROWSER=1 but {what} is missing', pytrace=False)
    pytest.skip(f'{what} is missing')


def _free_port() -> int:
    "A TCP port nobody listens on now."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture(scope='module')
def app_url():
    "`catdog app` started in a fresh process on a free port; its URL once it answers."
    _needs(HAVE_GRADIO, "Gradio (pip install 'catdog[app]')")
    port = _free_port()
    log = tempfile.TemporaryFile()
    env = {**os.environ, 'GRADIO_ANALYTICS_ENABLED': 'False'}
    proc = subprocess.Popen([sys.executable, '-m', 'catdog.cli', 'app', '--port', str(port)], cwd=ROOT, env=env, stdout=log, stderr=log)
    url, t0 = f'http://127.0.0.1:{port}/', time.time()
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200: break
            except OSError: pass
            if proc.poll() is not None or time.time() - t0 > 300:
                log.seek(0); pytest.fail(f"catdog app did not start:\n{log.read().decode()[-3000:]}", pytrace=False)
            time.sleep(1)
        yield url
    finally:
        proc.terminate()
        try: proc.wait(20)
        except subprocess.TimeoutExpired: proc.kill()


@pytest.fixture(scope='module')
def browser():
    "Headless Chromium with a fresh profile, no network services of its own, logging the console."
    _needs(CHROMIUM and DRIVER, 'chromium/chromedriver (apt-get install -y chromium chromium-driver)')
    webdriver = pytest.importorskip('selenium.webdriver') if not REQUIRED else __import__('selenium.webdriver').webdriver
    yield from headless_chromium(webdriver, CHROMIUM, DRIVER, window='1280,1500', page_load_timeout=120)


_severe = severe_entries


def _wait(d, cond, secs: float = 120):
    "Wait until `cond(d)` is truthy (a generous limit: a busy 2-core machine); return its value."
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(d, secs, poll_frequency=0.2).until(cond)


def _label(d, elem_id: str) -> str:
    "The top label shown by the Label component `elem_id` ('' while empty)."
    from selenium.webdriver.common.by import By
    els = d.find_elements(By.CSS_SELECTOR, f'#{elem_id} [data-testid="label-output-value"]')
    return els[0].text.strip() if els else ''


def _confidences(d, prefix: str) -> tuple:
    "Every model's shown probabilities in the Label components `prefix`-MODEL, as one tuple of strings."
    from selenium.webdriver.common.by import By
    import catdog
    return tuple(e.text for m in catdog.MODEL_NAMES for e in d.find_elements(By.CSS_SELECTOR, f'#{prefix}-{m} dd.confidence'))


def _tab(d, name: str):
    "Open the tab titled `name`."
    from selenium.webdriver.common.by import By
    tab = _wait(d, lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, 'button[role="tab"]') if name in b.text), None))
    d.execute_script('arguments[0].click()', tab)


def _screenshot(d, dest: Path, bottom: str, width: int = 900):
    "Save the browser's view down to the element `bottom` (CSS selector) as a PNG `width` pixels wide (written under a temporary name, then renamed)."
    from PIL import Image
    from selenium.webdriver.common.by import By
    img = Image.open(io.BytesIO(d.get_screenshot_as_png())).convert('RGB')
    scale = img.width / d.execute_script('return window.innerWidth')
    r = d.find_element(By.CSS_SELECTOR, bottom).rect
    img = img.crop((0, 0, img.width, min(img.height, round((r['y'] + r['height'] + 16) * scale))))
    img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
    dest.parent.mkdir(exist_ok=True)
    tmp = dest.with_suffix('.part.png'); img.save(tmp, optimize=True); os.replace(tmp, dest)
    return img


def test_page_in_browser(app_url, browser):
    "Upload a photo: every model answers 'dog' with its evidence drawn; the noise slider changes the answers; an attack fools the CNN; no console errors."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    d = browser
    d.get(app_url)
    upload = _wait(d, lambda d: d.find_element(By.CSS_SELECTOR, '#photo input[type="file"]'))
    assert 'Oxford-IIIT Pet' in d.find_element(By.ID, 'credit').text and 'CC BY-SA 4.0' in d.find_element(By.ID, 'credit').text
    upload.send_keys(str(EXAMPLE))
    # predict and explain
    _wait(d, lambda d: all(_label(d, f'p-{m}') for m in ('cnn', 'robust', 'student')))
    assert [_label(d, f'p-{m}') for m in ('cnn', 'robust', 'student')] == ['dog'] * 3
    _wait(d, lambda d: all(d.find_elements(By.CSS_SELECTOR, f'#{i} img') for i in ('cat-map', 'dog-map')))
    for i in ('cat-map', 'dog-map'):
        img = d.find_element(By.CSS_SELECTOR, f'#{i} img')
        _wait(d, lambda d: d.execute_script('return arguments[0].complete && arguments[0].naturalWidth > 0', img))
    time.sleep(0.5)
    assert not _severe(d), _severe(d)
    shot = _screenshot(d, ROOT/'results'/'app.png', '#dog-map')
    assert len(shot.getcolors(1 << 24) or []) > 1000  # photos and heat maps, not a blank page
    # noise: the answers follow the slider
    _tab(d, 'Noise')
    _wait(d, lambda d: len(_confidences(d, 'n')) == 6)
    clean = _confidences(d, 'n')
    slider = _wait(d, lambda d: d.find_element(By.CSS_SELECTOR, '#severity input[type="range"]'))
    slider.send_keys(*[Keys.ARROW_RIGHT] * 5)
    _wait(d, lambda d: d.find_element(By.CSS_SELECTOR, '#severity input[type="range"]').get_attribute('value') == '5')
    _wait(d, lambda d: len(_confidences(d, 'n')) == 6 and _confidences(d, 'n') != clean)
    assert not _severe(d), _severe(d)
    # attack: the default ε fools the CNN on this photo, judged on the PNG read back
    _tab(d, 'Attack')
    d.execute_script('arguments[0].click()', _wait(d, lambda d: d.find_element(By.ID, 'attack-button')))
    _wait(d, lambda d: _label(d, 'a-after'))
    assert (_label(d, 'a-before'), _label(d, 'a-after')) == ('dog', 'cat')
    assert 'Fooled' in d.find_element(By.ID, 'verdict').text
    _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, '#twin img') and d.find_elements(By.CSS_SELECTOR, '#change img'))
    time.sleep(0.5)
    assert not _severe(d), _severe(d)


def test_not_an_image_gives_a_message(app_url, browser, tmp_path):
    "A file that is not an image gives a message naming it on the page, not a traceback."
    from selenium.webdriver.common.by import By
    d = browser
    d.get(app_url)
    bad = tmp_path/'notes.jpg'; bad.write_text('this is not a photo')
    _wait(d, lambda d: d.find_element(By.CSS_SELECTOR, '#photo input[type="file"]')).send_keys(str(bad))
    toast = _wait(d, lambda d: next((t for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast-body"]') if 'notes.jpg' in t.text), None))
    assert 'not a readable image' in toast.text and 'Traceback' not in toast.text, toast.text

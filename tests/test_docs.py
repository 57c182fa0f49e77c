"""The docs site (nbdev's processing + smalldocs, no Quarto): every notebook's page, its figures and tables, the API reference."""
import ast, json, os, re
from pathlib import Path
import pytest
from cli_helpers import ROOT, built_site
import importlib.util

_spec = importlib.util.spec_from_file_location('catdog_docs_tool', ROOT/'tools'/'docs.py')
_docs = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_docs)
KATEX_CDN, KATEX_DEB = _docs.KATEX_CDN, _docs.KATEX_DEB

NOTEBOOKS = sorted(p.stem for p in (ROOT/'nbs').glob('*.ipynb'))


@pytest.fixture(scope='module')
def site():
    "The built site's folder."
    return built_site()


def _figures_and_tables(nb: Path) -> tuple[int, int]:
    "Image outputs, and tables (markdown pipe tables, HTML or markdown table outputs), of a processed notebook."
    figs = tables = 0
    for c in json.loads(nb.read_text())['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown': tables += len(re.findall(r'^\|[-:| ]+\|\s*$', src, re.M))
        for o in c.get('outputs', []):
            d = o.get('data', {})
            figs += 'image/png' in d or 'image/jpeg' in d or 'image/svg+xml' in d
            html, md = ''.join(d.get('text/html', '')), ''.join(d.get('text/markdown', ''))
            tables += '<table' in html or bool(re.search(r'^\|[-:| ]+\|\s*$', md, re.M))
    return figs, tables


def test_every_notebook_has_a_page(site):
    "Each notebook becomes a page with its title, linked from the home page's sidebar; README's notebook is the home page."
    home = (site/'index.html').read_text()
    for name in NOTEBOOKS:
        page = site/f'{name}.html'
        assert page.exists(), f'no page for {name}'
        if name != 'index': assert f'href="{name}.html"' in home, f'{name} missing from the navigation'
    assert 'Quarto' in home and 'catdog' in home


@pytest.mark.parametrize('name', NOTEBOOKS)
def test_figures_and_tables_rendered(site, name):
    "A page holds at least as many images and tables as its (processed) notebook's saved outputs and markdown."
    figs, tables = _figures_and_tables(ROOT/'_proc'/f'{name}.ipynb')
    html = (site/f'{name}.html').read_text()
    assert html.count('<img') >= figs, f'{name}: {html.count("<img")} images for {figs} figures'
    assert html.count('<table') >= tables, f'{name}: {html.count("<table")} tables for {tables}'


def test_key_figures_present(site):
    "The chapters whose point is a picture show it: training curves, adversarial examples, saliency maps, the CLI's overlay."
    for name, n in (('01_cnn', 1), ('02_adversarial', 1), ('05_interpret', 3), ('07_cli', 1)):
        assert (site/f'{name}.html').read_text().count('<img') >= n, name


def test_api_reference(site):
    "Every exported function and class has its show_doc entry (anchor and signature) on its notebook's page."
    missing = []
    for mod in sorted((ROOT/'catdog').glob('*.py')):
        text = mod.read_text()
        m = re.search(r'File to edit: \.\./nbs/(\w+)\.ipynb', text)
        if not m: continue
        tree = ast.parse(text)
        exported = set()
        for n in tree.body:
            if isinstance(n, ast.Assign) and any(getattr(t, 'id', '') == '__all__' for t in n.targets):
                exported = set(ast.literal_eval(n.value))
        html = (site/f'{m.group(1)}.html').read_text()
        for n in tree.body:
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in exported and f'id="{n.name.lower()}"' not in html:
                missing.append(f'{m.group(1)}: {n.name}')
    assert not missing, missing
    cli = (site/'07_cli.html').read_text()
    assert 'classify image files and folders' in cli and 'argv' in cli  # docstrings and signatures, not only anchors


def test_search_index(site):
    "The search index lists every page."
    idx = json.loads((site/'search.json').read_text())
    pages = {e['href'].split('#')[0] for e in idx}
    assert {f'{n}.html' for n in NOTEBOOKS} <= pages


def test_site_is_self_contained(site):
    "No page loads a script, style sheet or image from another host, and every link between pages leads to a page that exists."
    for page in site.glob('*.html'):
        html = page.read_text()
        remote = re.findall(r'<(?:script|img)[^>]*\ssrc="(https?://[^"]+)"', html) + \
                 re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="(https?://[^"]+)"', html) + re.findall(r'<link[^>]*href="(https?://[^"]+)"[^>]*rel="stylesheet"', html)
        if not (KATEX_DEB/'katex.min.js').exists() and os.environ.get('CATDOG_REQUIRE_BROWSER') != '1':
            remote = [r for r in remote if not r.startswith(KATEX_CDN)]   # without libjs-katex, maths pages fall back to the CDN (`catdog docs` warns)
        assert not remote, f'{page.name} loads {remote}'
        assert 'catdog.local/' not in html, f'{page.name} links to the unbuilt docs host'
        for href in re.findall(r'href="([\w.-]+\.html)(?:#[^"]*)?"', html):
            assert (site/href).exists(), f'{page.name} links to missing {href}'


def test_site_pages_are_clean(site):
    "No page shows a progress bar, a Python warning or an absolute path of the machine that executed the notebooks."
    import re
    bad = re.compile(r'(/work/|/root/|/home/\w+/|/tmp/tmp|Warning: |warnings\.warn\(|\|█|█+-{3,}|\[#{3,}\.{3,})')
    found = {}
    for page in site.rglob('*.html'):
        hits = sorted(set(bad.findall(page.read_text(errors='replace'))))
        if hits: found[str(page.relative_to(site))] = hits[:5]
    assert not found, found

def test_chapters_link_previous_and_next(site):
    "Each chapter page links to the chapters before and after it, in the sidebar's order."
    import re
    order = re.findall(r'- (\w+)\.ipynb', (ROOT/'nbs'/'sidebar.yml').read_text())
    for prev, page, nxt in zip(order, order[1:], order[2:]):
        html = (site/f'{page}.html').read_text()
        nav = html[html.index('class="page-navigation"'):]
        assert f'href="{prev}.html"' in nav and f'href="{nxt}.html"' in nav, page


def _shows_something(src: str) -> bool:
    "Whether a code cell's source ends by displaying a value (a bare name, item or method result) or draws a figure."
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('#|', '%')))
    if re.search(r'plt\.(subplots|figure)\(', code): return True
    body = ast.parse(code).body
    last = body[-1] if body else None
    if not isinstance(last, ast.Expr): return False
    v = last.value
    if isinstance(v, (ast.Name, ast.Subscript, ast.Attribute)): return True
    return isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr in {'round', 'rename', 'assign', 'to_frame', 'head', 'pivot_table', 'set_index'}   # DataFrame methods that return a table to show


@pytest.mark.parametrize('name', NOTEBOOKS)
def test_saved_notebooks_show_their_results(name):
    "Every executed code cell that displays a table or draws a figure has its output saved: the page shows what the prose around it quotes."
    missing = []
    for c in json.loads((ROOT/'nbs'/f'{name}.ipynb').read_text())['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or c.get('outputs') or re.search(r'^#\|\s*(hide|slow|eval:\s*false|export)', src, re.M): continue
        if _shows_something(src): missing.append(c.get('id'))
    assert not missing, f"{name}: cells with no saved output (re-execute with tools/run_nb.py): {missing}"

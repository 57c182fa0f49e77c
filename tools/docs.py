"""Build the documentation site without Quarto: nbdev's notebook processing into `_proc/`, then smalldocs into `_proc/_docs/`.

`catdog docs` runs this script in the repository (in its own process: nbdev reads settings.ini from the working folder, and
the build replaces one nbdev name while it runs), so the `catdog` package itself never imports nbdev.
Run: python tools/docs.py [--verbose]        (from the repository root)
"""
import argparse, os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # the notebooks' import cells import this checkout's catdog

SKIPPED_CELLS = []  # (notebook title, cell source) of cells that `build_docs` did not run for show_doc

def _docs_processor():
    "nbdev's `exec_show_docs`, running only exported cells, pure import cells and show_doc cells, never failing the build."
    import ast, re
    from nbdev import processors as P
    class DocsShowDocs(P.exec_show_docs):
        "Run what `show_doc` needs; note (instead of running) cells that mix imports with other code."
        def __call__(self, cell):
            "Run `cell` in the notebook's shell if it defines or imports what the docs need."
            if not self.nb.has_docs_ or not hasattr(self, 'k') or cell.cell_type != 'code' or not cell.source: return
            d = cell.directives_
            if 'nbdev_export' + '()' in cell.source or d.get('eval:', [''])[0].lower() == 'false' or 'slow' in d: return
            try: body = ast.parse('\n'.join(l for l in cell.source.splitlines() if not re.match(r'\s*[%!]', l))).body
            except SyntaxError: return
            export = bool(d.keys() & {'export', 'exports', 'exporti', 'exec_doc'})
            imports = body and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body)
            showdoc = body and all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and getattr(n.value.func, 'id', '') == 'show_doc' for n in body)
            if export or imports or showdoc:
                self.k.cell(cell)
                if self.k.exc:
                    SKIPPED_CELLS.append((getattr(self.nb, 'frontmatter_', {}).get('title', '?'), f"FAILED ({self.k.exc!r}): {cell.source.splitlines()[-1][:80]}"))
                    self.k.exc = None
            elif any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(ast.Module(body, []))):
                SKIPPED_CELLS.append((getattr(self.nb, 'frontmatter_', {}).get('title', '?'), cell.source.splitlines()[0][:80]))
    return DocsShowDocs

KATEX_CDN = 'https://cdn.jsdelivr.net/npm/katex@0.16.11/dist/'  # where smalldocs 0.5.4 loads KaTeX from
KATEX_DEB = Path('/usr/share/javascript/katex')                 # Debian's libjs-katex

def _local_links(proc: Path, doc_url: str) -> int:
    "In the processed notebooks, drop nbdev's `output-file` and point links to `doc_url`PAGE.html at the local pages; count them."
    import re
    nbs = {p: p.read_text() for p in proc.glob('*.ipynb')}
    pages = {m.group(1): p.stem for p, t in nbs.items() if (m := re.search(r'output-file: ([\w.-]+\.html)', t))}
    n = 0
    for p, t in nbs.items():
        t = re.sub(r'output-file: [\w.-]+\.html\\n', '', t)
        for out, stem in pages.items(): n += t.count(doc_url + out); t = t.replace(doc_url + out, f"{stem}.html")
        p.write_text(t)
    return n

def _local_katex(site: Path) -> int:
    "Serve KaTeX from the site (Debian's libjs-katex) instead of the CDN; number of pages changed (0 without libjs-katex)."
    import shutil
    pages = [p for p in site.rglob('*.html') if KATEX_CDN in p.read_text()]
    if not pages or not (KATEX_DEB/'katex.min.js').exists(): return 0
    shutil.rmtree(site/'site_libs'/'katex', ignore_errors=True)
    shutil.copytree(KATEX_DEB, site/'site_libs'/'katex', symlinks=False)
    for p in pages:
        base = os.path.relpath(site/'site_libs'/'katex', p.parent) + '/'
        p.write_text(p.read_text().replace(KATEX_CDN + 'contrib/auto-render.min.js', base + 'contrib/auto-render.js').replace(KATEX_CDN, base))
    return len(pages)

def build_docs(quiet: bool = False,    # print nothing but errors
               verbose: bool = False,  # list every cell not run for show_doc
              ) -> Path:
    "Process the notebooks with nbdev into `_proc/` and render them with smalldocs; return the site's folder. Runs in the repository (nbdev finds settings.ini from the working folder)."
    import contextlib, io, warnings
    import smalldocs.site
    from nbdev import processors as P, quarto as Q, serve as S
    from nbdev.config import get_config
    root = get_config().config_path
    Q.refresh_quarto_yml(); Q.nbdev_sidebar.__wrapped__()       # nbs/_quarto.yml, nbdev.yml (and sidebar.yml unless custom)
    # The one place that reaches into nbdev: `proc_nbs` hands each notebook to `FilterDefaults`, whose processor list names
    # `exec_show_docs` directly (settings.ini's `procs` can only append processors, after `rm_export` has dropped the cells
    # show_doc needs), so the subclass replaces that name for the duration of the build, and the original is put back.
    orig, P.exec_show_docs = P.exec_show_docs, _docs_processor()
    SKIPPED_CELLS.clear()
    out = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(out):
            warnings.simplefilter('ignore')
            S.proc_nbs(n_workers=0, force=True)                 # in this process: no worker processes
    finally: P.exec_show_docs = orig
    cfg = get_config()
    _local_links(root/'_proc', cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/') + ('/' if cfg.doc_baseurl.strip('/') else ''))
    site = smalldocs.site.build(root/'_proc', quiet=True)
    katex = _local_katex(root/'_proc'/'_docs')
    dest = root/'_proc'/'_docs'
    if not quiet:
        for w in site.warnings: print(f"smalldocs: {w}", file=sys.stderr)
        if not katex and any(KATEX_CDN in p.read_text() for p in dest.glob('*.html')):
            print('docs: pages with maths load KaTeX from a CDN (apt-get install libjs-katex to serve it locally)', file=sys.stderr)
        failed = [c for c in SKIPPED_CELLS if 'FAILED' in c[1]]
        for title, src in (SKIPPED_CELLS if verbose else failed): print(f"docs: not run for show_doc ({title}): {src}", file=sys.stderr)
        if not verbose and len(SKIPPED_CELLS) > len(failed):
            print(f"docs: {len(SKIPPED_CELLS) - len(failed)} cells mix imports with other code and were not run for show_doc (--verbose lists them)", file=sys.stderr)
    return dest

def main(argv: list[str] | None = None) -> int:
    "Build the site; print smalldocs' warnings and the cells not run for show_doc on stderr; exit 1 without smalldocs."
    ap = argparse.ArgumentParser(prog='python tools/docs.py', description=__doc__.split('\n')[0])
    ap.add_argument('--verbose', action='store_true', help='list every cell not run for show_doc')
    args = ap.parse_args(argv)
    try: import smalldocs  # noqa: F401
    except ImportError: print('docs: smalldocs is not installed: pip install -r requirements-dev.txt', file=sys.stderr); return 1
    os.chdir(ROOT)
    build_docs(verbose=args.verbose)
    return 0


if __name__ == '__main__': sys.exit(main())

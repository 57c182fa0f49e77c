"""Write README.md from the executed nbs/index.ipynb: markdown cells verbatim, code hidden, markdown outputs kept.

Quarto (nbdev's own README renderer) cannot be installed on these machines, so this small converter does the job.
Run: python tools/readme.py        (tests/test_sync.py checks README.md is up to date)
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_text(nb_path: Path = ROOT/'nbs'/'index.ipynb') -> str:
    "Markdown for README.md: the notebook's markdown cells and the markdown/text outputs of its code cells."
    parts = []
    for c in json.loads(nb_path.read_text())['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown': parts.append(src.replace('(0', '(nbs/0').replace('.ipynb)', '.ipynb)'))
        elif '#| hide' not in src:
            for o in c.get('outputs', []):
                d = o.get('data', {})
                if 'text/markdown' in d: parts.append(''.join(d['text/markdown']))
    return '\n\n'.join(p.strip() for p in parts) + '\n'


if __name__ == '__main__':
    sys.path.insert(0, str(ROOT))
    from catdog import atomic_write
    with atomic_write(ROOT/'README.md') as tmp: tmp.write_text(readme_text())
    sys.exit(0)

"""Write each model card's `sha256` field: the SHA-256 of its weights file, which `catdog.load_model` checks before loading.

`save_shipped` writes the field for every model it ships; this tool is for cards written before the field existed, or after
a deliberate change of the weights. It never retrains or changes a `.pt` file.
Run: python tools/sign_models.py [FOLDER]        (default: the repository's models/)
"""
import json, sys
from pathlib import Path
from catdog import atomic_write, file_sha256

ROOT = Path(__file__).resolve().parents[1]


def sign(folder: Path = ROOT/'models') -> list[str]:
    "Set `sha256` in every card `NAME.json` of `folder` that has weights `NAME.pt`; return the names whose card changed."
    changed = []
    for card in sorted(folder.glob('*.json')):
        pt = card.with_suffix('.pt')
        if not pt.exists(): continue
        c = json.loads(card.read_text())
        digest = file_sha256(pt)
        if c.get('sha256') == digest: continue
        c['sha256'] = digest
        with atomic_write(card) as tmp: tmp.write_text(json.dumps(c, indent=2) + '\n')
        changed.append(card.stem)
    return changed


if __name__ == '__main__':
    print('signed:', ', '.join(sign(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT/'models')) or 'nothing to do')

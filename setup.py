"""Package metadata for catdog: every setting is read from `settings.ini` (nbdev's single source)."""
from configparser import ConfigParser
from pathlib import Path
import shutil
import setuptools
from setuptools.command.build_py import build_py

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']


class build_py_with_models(build_py):
    "Also copy the shipped models (models/NAME.pt with its card NAME.json, and NAME.onnx where exported) into the package's models/ folder."
    def run(self):
        super().run()
        if self.editable_mode: return  # an editable install finds them in the repository's models/
        dest = Path(self.build_lib)/cfg['lib_path']/'models'
        shutil.rmtree(dest, ignore_errors=True); dest.mkdir(parents=True)
        for pt in sorted(Path('models').glob('*.pt')):
            if pt.with_suffix('.json').exists() and not pt.name.startswith('.'):   # not a temporary file of `atomic_write`
                for f in (pt, pt.with_suffix('.json'), pt.with_suffix('.onnx')):
                    if f.exists(): shutil.copy2(f, dest/f.name)


setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    author=cfg['author'], author_email=cfg['author_email'], license=cfg['license'],
    keywords=cfg['keywords'], url=cfg['git_url'], project_urls={'Documentation': cfg['doc_host']},
    classifiers=['Programming Language :: Python :: 3',  # the licence is `license` (classifiers for it are deprecated)
                 'Intended Audience :: ' + cfg['audience'], 'Natural Language :: ' + cfg['language']],
    packages=setuptools.find_packages(include=['catdog', 'catdog.*']),
    include_package_data=True,
    install_requires=cfg.get('requirements', '').split(),
    extras_require={'dev': cfg.get('dev_requirements', '').split(),
                    'app': cfg.get('app_requirements', '').split()},  # `pip install catdog[app]`: the Gradio page
    python_requires='>=' + cfg['min_python'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    cmdclass={'build_py': build_py_with_models},
    entry_points={'console_scripts': cfg.get('console_scripts', '').split(),
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)

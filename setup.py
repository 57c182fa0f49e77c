"""Package metadata for catdog: every setting is read from `settings.ini` (nbdev's single source)."""
from configparser import ConfigParser
import setuptools

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    author=cfg['author'], author_email=cfg['author_email'], license=cfg['license'],
    keywords=cfg['keywords'], url=cfg['git_url'], project_urls={'Documentation': cfg['doc_host']},
    classifiers=['Programming Language :: Python :: 3', 'License :: OSI Approved :: Apache Software License',
                 'Intended Audience :: ' + cfg['audience'], 'Natural Language :: ' + cfg['language']],
    packages=setuptools.find_packages(include=['catdog', 'catdog.*']),
    include_package_data=True,
    install_requires=cfg.get('requirements', '').split(),
    extras_require={'dev': cfg.get('dev_requirements', '').split()},
    python_requires='>=' + cfg['min_python'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': cfg.get('console_scripts', '').split(),
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)

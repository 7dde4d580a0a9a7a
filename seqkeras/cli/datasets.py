"""`seqkeras datasets list|fetch`: the catalogue and its files."""


def add_commands(commands):
    parser = commands.add_parser("datasets", help="list or download data sets")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list the data sets")
    fetch = actions.add_parser("fetch", help="download (or find) a data set's files")
    fetch.add_argument("name")
    parser.set_defaults(handler=run)


def run(args):
    from seqkeras import datasets
    from seqkeras.datasets import registry

    if args.action == "list":
        mirror = registry.mirror_location()
        print(f"{'name':18} {'tasks':36} {'source':28} description")
        for info in datasets.catalogue():
            if info.embedded:
                source = "embedded"
            else:
                spec = registry.get_remote_file(info.files[0])
                cached = registry.cached_path(spec).exists()
                source = spec.filename + (" (cached)" if cached else "")
            tasks = ", ".join(info.tasks)
            print(f"{info.name:18} {tasks:36} {source:28} {info.description}")
        print(f"\nmirror ({registry.MIRROR_VARIABLE}): {mirror or 'not set'}")
        print(f"cache: {registry.default_cache_dir()}")
        return 0
    name = args.name
    files = (name,) if name in registry.REMOTE_FILES else datasets.get_info(name).files
    if not files:
        print(f"{name} is embedded in seqkeras: nothing to download.")
    for file in files:
        print(registry.fetch(file))
    return 0

"""The planner workspace: a web app and HTTP API over xborder (docs/web.md), started by
`xborder serve`. It needs the `web` extra (`pip install 'xborder[web]'`); nothing here is
imported by the rest of xborder."""

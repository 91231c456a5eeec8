from git_vam.cli import main

raise SystemExit(main())

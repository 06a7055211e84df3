from reasoniqa.cli import main

raise SystemExit(main())

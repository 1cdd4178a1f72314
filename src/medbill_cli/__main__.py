from medbill_cli.cli.app import main

main()

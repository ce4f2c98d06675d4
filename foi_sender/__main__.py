from foi_sender.cli import main

main()

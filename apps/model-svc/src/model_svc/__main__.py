from model_svc.main import main

main()

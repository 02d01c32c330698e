from civicnet import create_app

app = create_app()

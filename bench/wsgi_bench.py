"""The real app as gunicorn serves it, with the SDG classifier slot off (it is benchmarked apart)."""
from civicnet import create_app

app = create_app({"SDG_SUGGESTIONS": False})

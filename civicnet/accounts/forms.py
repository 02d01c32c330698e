"""Login form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Please fill this in.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Please fill this in.")),
                                                        Length(max=500)])
    remember = BooleanField(_l("Keep me logged in on this device"))

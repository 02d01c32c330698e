"""Login form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Please fill this in.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Please fill this in.")),
                                                        Length(max=500)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Please fill this in.")), Length(max=500)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Please fill this in.")), Length(max=500)])


class AccountForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Please fill this in.")), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Please fill this in.")), Length(max=100)])
    role = SelectField(_l("Role"), choices=[SelectChoice("staff", _l("Staff")), SelectChoice("admin", _l("Network admin"))])
    password = PasswordField(_l("First password (at least 10 characters)"), validators=[Length(max=500)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice("staff", _l("Staff")), SelectChoice("admin", _l("Network admin"))])


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Length(max=100)])


class ConfirmForm(FlaskForm):
    """An action button (CSRF only)."""

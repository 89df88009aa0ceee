"""The web toolkit every area's pages share: forms and view helpers that know no area.

`festa.web.forms`: form base classes, field builders, showing a service's field errors.
`festa.web.views`: running a service from a form page, the generic form and delete pages.
"""

"""The Mine Ban Convention's clock: who is a State Party on a day, and every date the articles derive.

`engine` is pure Python (standard library only) over the shipped depositary facts in `facts/`;
the `treaty` management command and the REST views are thin doors onto it. See docs/treaty.md.
"""

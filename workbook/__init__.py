"""shuping (述评): the core of the 述职评议 toolkit — pure logic, no Excel needed."""

__version__ = "0.1.0"

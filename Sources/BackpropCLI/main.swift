import Backprop
print("placeholder")

import Libvirt
print("placeholder")

import numpy as np

softmax_jacobian = np.eye(3)

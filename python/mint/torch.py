"""mint's CNN as a PyTorch module (docs/pytorch.md), for ``Model.to_torch`` / ``from_torch``.

Importing this module needs torch; the rest of the package does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

import torch
import torch.nn.functional as Fn
from torch import nn

if TYPE_CHECKING:
    from ._model import Model


class MintCNN(nn.Module):
    """The paper's CNN: conv (padding 'same': (K−1)//2 zeros left, K//2 right, or 'valid') →
    BatchNorm (optional) → ReLU or exp → MaxPool1d(P) → fc1 → ReLU → fc2 → ReLU → fc3.
    Input (N, 4, L) float32, channels A, C, G, T; output (N, 1), the logit."""

    def __init__(self, length: int, filters: int = 32, width: int = 12, pool: int = 10,
                 hidden1: int = 64, hidden2: int = 32, padding: str = "same",
                 batchnorm: bool = True, activation: str = "relu", bn_eps: float = 1e-5,
                 bn_momentum: float = 0.1) -> None:
        super().__init__()
        self.mint_config: Dict[str, Any] = dict(
            length=length, filters=filters, width=width, pool=pool, hidden1=hidden1,
            hidden2=hidden2, padding=padding, batchnorm=batchnorm, activation=activation,
            bn_eps=bn_eps, bn_momentum=bn_momentum)
        self.conv = nn.Conv1d(4, filters, width)
        self.bn = nn.BatchNorm1d(filters, eps=bn_eps, momentum=bn_momentum) if batchnorm else nn.Identity()
        conv_length = length if padding == "same" else length - width + 1
        self.fc1 = nn.Linear(filters * (conv_length // pool), hidden1)
        self.fc2 = nn.Linear(hidden1, hidden2)
        self.fc3 = nn.Linear(hidden2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.mint_config
        if c["padding"] == "same":
            x = Fn.pad(x, ((c["width"] - 1) // 2, c["width"] // 2))
        x = self.bn(self.conv(x))
        x = torch.exp(x) if c["activation"] == "exp" else torch.relu(x)
        x = Fn.max_pool1d(x, c["pool"])
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc3(torch.relu(self.fc2(x)))

    @classmethod
    def from_mint(cls, model: "Model") -> "MintCNN":
        module = cls(**model.config)
        state = {k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()}
        module.load_state_dict(state)
        return module.eval()
